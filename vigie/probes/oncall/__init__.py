"""The on-call chain: the daemon's alerts delivered to Alertmanager (or kept by Vigie's
built-in notifier), acknowledgements and silences in Alertmanager's shape, and their audit."""
