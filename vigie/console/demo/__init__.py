"""The demo: a simulated SI Chorus on loopback, its 2017 history, and `vigie demo`."""
