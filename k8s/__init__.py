"""Everything Kubernetes: the ``kubernetes`` executor and the deployment manifests (issue 7)."""
