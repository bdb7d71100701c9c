"""Everything Kubernetes: the ``kubernetes`` executor (``executor``, ``job_spec``, ``job_status``);
the Helm chart (``chart/knitgraph``), the server image (``Dockerfile``) and the test cluster's build
script (``testbed/build.sh``) live beside them."""
