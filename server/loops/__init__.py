"""The server's background work, each loop kept alive by :func:`supervisor.supervise`:
executing Runs, projecting what a crash left unprojected, sweeping unfinished uploads."""
