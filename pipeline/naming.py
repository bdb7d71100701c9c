"""The tags and annotations that pipelines are made of: shared by the compiler, ``knit pipeline``
and the server's pipeline-run queries."""

from typing import Final

PIPELINE_TAG: Final = "pipeline"  # pipeline:<name>, on every Data a pipeline makes and reads
STEP_TAG: Final = "pipeline-step"  # pipeline-step:<step>, on a step's outputs and log
DATA_TAG: Final = "pipeline-data"  # pipeline-data:<step>.<output> (or <step>.log): what wires the steps
PARAMETERS_TAG: Final = "pipeline-parameters"  # pipeline-parameters:<name>, on a pipeline run's parameters
EXPERIMENT_TAG: Final = "experiment"  # experiment:<name>, on a pipeline run's parameters
PARAMETER_TAG_PREFIX: Final = "param."  # param.<key>:<value>, on a pipeline run's parameters, one per key
PIPELINE_ANNOTATION: Final = "knitgraph.io/pipeline"
STEP_ANNOTATION: Final = "knitgraph.io/pipeline-step"
DEFAULTS_ANNOTATION: Final = "knitgraph.io/pipeline-parameters"  # the parameters' defaults, as JSON
PARAMETERS_FILE: Final = "parameters.json"
PARAMETERS_INPUT: Final = "parameters"  # the first steps' parameters input, at /in/parameters
DEFAULT_EXPERIMENT: Final = "default"
