"""Reference data: applications, interfaces, homologations; the application map (graph)."""
