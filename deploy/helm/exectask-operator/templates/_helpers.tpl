{{/* Labels on every object; the first two are those of deploy/. */}}
{{- define "exectask.labels" -}}
app.kubernetes.io/name: exectask-operator
app.kubernetes.io/component: {{ .component }}
{{- include "exectask.releaseLabels" .root }}
{{- end }}

{{- define "exectask.releaseLabels" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{- define "exectask.operatorSubject" -}}
- kind: ServiceAccount
  name: exectask-operator
  namespace: {{ .Release.Namespace }}
{{- end }}
