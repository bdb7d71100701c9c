{{- define "knitgraph.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "knitgraph.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "knitgraph.serverSelector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end -}}

{{- define "knitgraph.neo4jSelector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: neo4j
{{- end -}}

{{- define "knitgraph.executorNamespace" -}}
{{- .Values.executor.namespace | default .Release.Namespace -}}
{{- end -}}

{{- define "knitgraph.dataClaim" -}}
{{- .Values.dataVolume.existingClaim | default (printf "%s-data" (include "knitgraph.fullname" .)) -}}
{{- end -}}

{{- define "knitgraph.neo4jSecret" -}}
{{- .Values.neo4j.existingSecret | default (printf "%s-neo4j" (include "knitgraph.fullname" .)) -}}
{{- end -}}

{{- define "knitgraph.neo4jUri" -}}
{{- .Values.neo4j.external.uri | default (printf "bolt://%s-neo4j:7687" (include "knitgraph.fullname" .)) -}}
{{- end -}}
