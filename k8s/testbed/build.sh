#!/usr/bin/env bash
# Builds the test cluster's binaries from Go modules, once per machine and version set:
# kube-apiserver, kube-controller-manager and kube-scheduler (k8s.io/kubernetes), etcd, kwok and
# helm. Prints the directory holding them.
#
# k8s.io/kubernetes cannot be `go install`ed: its go.mod requires k8s.io/api etc. at v0.0.0 and
# replaces them with ./staging/..., which the module zip leaves out. So the source is copied
# and each staging replace is pointed at the published k8s.io/* v0.<minor>.<patch> instead.
# etcd's server module likewise replaces its sibling modules with ../api etc.: those replaces are
# dropped, so the versions it requires are used. (Debian's etcd 3.4.23 is too old: the API server
# then refuses watch-list requests, and kwok's watches keep ending, losing pod events.)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache="${KNITGRAPH_K8S_CACHE:-$HOME/.cache/knitgraph/k8s}"
bin="$cache/kubernetes-$KUBERNETES_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION-helm-$HELM_VERSION/bin"
wanted=(kube-apiserver kube-controller-manager kube-scheduler etcd kwok helm)

have_all() {
    for b in "${wanted[@]}"; do [ -x "$bin/$b" ] || return 1; done
}
if have_all; then
    echo "$bin"
    exit 0
fi

log() { echo "[k8s-testbed] $*" >&2; }
command -v go >/dev/null || { log "go is not installed: the test cluster is built from Go modules; install Go 1.22 or newer (https://go.dev/dl/, or apt-get install golang on a recent distribution)"; exit 1; }
mkdir -p "$bin"
export GOTOOLCHAIN=local GOWORK=off GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0
build=(nice -n 10 go)

if [ ! -x "$bin/kwok" ]; then
    log "building kwok $KWOK_VERSION"
    GOBIN="$bin" "${build[@]}" install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" >&2
fi
if [ ! -x "$bin/helm" ]; then
    log "building helm $HELM_VERSION"
    GOBIN="$bin" "${build[@]}" install -trimpath -ldflags "-s -w" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
fi

# The module's source, copied writable; prints where.
module_copy() {
    local module="$1" version="$2" work="$cache/src/$3"
    if [ ! -f "$work/.prepared" ]; then
        local dir
        dir="$(go mod download -json "$module@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
        [ -n "$dir" ] || { log "go mod download $module@$version gave no Dir"; exit 1; }
        rm -rf "$work"
        mkdir -p "$work"
        cp -r "$dir/." "$work/"
        chmod -R u+w "$work"
    fi
    echo "$work"
}

if [ ! -x "$bin/etcd" ]; then
    log "building etcd $ETCD_VERSION"
    work="$(module_copy go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "etcd-$ETCD_VERSION")"
    if [ ! -f "$work/.prepared" ]; then
        (cd "$work" && go mod edit -json | sed -n 's/.*"Path": "\(go\.etcd\.io\/[^"]*\)"$/\1/p' | sort -u | while read -r m; do
            go mod edit -dropreplace "$m"
        done)
        touch "$work/.prepared"
    fi
    (cd "$work" && "${build[@]}" build -trimpath -ldflags "-s -w" -o "$bin/etcd" . >&2)
fi

if ! { [ -x "$bin/kube-apiserver" ] && [ -x "$bin/kube-controller-manager" ] && [ -x "$bin/kube-scheduler" ]; }; then
    log "building kube-apiserver, kube-controller-manager, kube-scheduler $KUBERNETES_VERSION"
    work="$(module_copy k8s.io/kubernetes "$KUBERNETES_VERSION" "kubernetes-$KUBERNETES_VERSION")"
    if [ ! -f "$work/.prepared" ]; then
        rm -rf "$work/go.work" "$work/go.work.sum" "$work/vendor"
        staging="v0.${KUBERNETES_VERSION#v1.}"
        # Every `k8s.io/x => ./staging/src/k8s.io/x` becomes `k8s.io/x => k8s.io/x v0.y.z`.
        (cd "$work" && go mod edit -json | sed -n 's/.*"Path": "\(k8s\.io\/[^"]*\)"$/\1/p' | sort -u | while read -r m; do
            if grep -q "^\s*$m => ./staging/" go.mod; then
                go mod edit -dropreplace "$m" -replace "$m=$m@$staging"
            fi
        done)
        touch "$work/.prepared"
    fi
    pkg=k8s.io/component-base/version
    ldflags="-s -w -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2) -X $pkg.gitTreeState=clean"
    (cd "$work" && "${build[@]}" build -trimpath -ldflags "$ldflags" -o "$bin/" \
        ./cmd/kube-apiserver ./cmd/kube-controller-manager ./cmd/kube-scheduler >&2)
fi

have_all || { log "some binaries are missing from $bin"; exit 1; }
echo "$bin"
