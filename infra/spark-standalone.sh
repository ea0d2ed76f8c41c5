#!/usr/bin/env bash
# A Spark standalone master or worker from the PySpark package in .sluice/venv (its
# `spark-class`: the package has no sbin/start-master.sh), in the foreground, bound to
# this host's address. On test hosts (infra/cluster.sh) run it with
# `infra/cluster.sh exec HOST infra/spark-standalone.sh ...`; on a real host as it is.
#
#   infra/spark-standalone.sh master                 on port 7077, its web UI (and /json) on 8080
#   infra/spark-standalone.sh worker spark://H:7077  an executor host for that master, web UI on 8081
#
# The address is SLUICE_SPARK_HOST, else what this host's name resolves to (`hostname -i`).
# Settings: SLUICE_SPARK_WORKER_CORES (default 1) and SLUICE_SPARK_WORKER_MEMORY (default 1g)
# that a worker offers; SLUICE_SPARK_DAEMON_MEMORY (default 256m), the heap of the master
# or worker process itself. Logs and executors' work folders go under
# $SLUICE_HOME/spark-standalone/ADDRESS. Executors run the venv's Python.
set -euo pipefail
SLUICE_COMPONENT=spark-standalone
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

python=${SLUICE_VENV:-$SLUICE_REPO/.sluice/venv}/bin/python
[[ -x $python ]] || die "no Python at $python: run infra/install.sh first"
SPARK_HOME=$("$python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))') ||
    die "the venv at $python has no pyspark"
host=${SLUICE_SPARK_HOST:-$(hostname -i | awk '{ print $1 }')}
[[ -n $host ]] || die "this host's name resolves to no address; set SLUICE_SPARK_HOST"
home=$SLUICE_HOME/spark-standalone/$host
mkdir -p "$home/logs" "$home/work"

export SPARK_HOME SPARK_LOCAL_IP=$host SPARK_LOG_DIR=$home/logs SPARK_WORKER_DIR=$home/work
export SPARK_DAEMON_MEMORY=${SLUICE_SPARK_DAEMON_MEMORY:-256m}
export PYSPARK_PYTHON=$python
spark_class=$SPARK_HOME/bin/spark-class

case ${1:-} in
    master)
        say "master on spark://$host:7077 (web UI http://$host:8080)"
        exec "$spark_class" org.apache.spark.deploy.master.Master --host "$host" --port 7077 --webui-port 8080
        ;;
    worker)
        [[ ${2:-} == spark://* ]] || die "usage: $0 worker spark://MASTER:7077"
        say "worker on $host for $2: ${SLUICE_SPARK_WORKER_CORES:-1} cores, ${SLUICE_SPARK_WORKER_MEMORY:-1g}"
        exec "$spark_class" org.apache.spark.deploy.worker.Worker --host "$host" --webui-port 8081 \
            --cores "${SLUICE_SPARK_WORKER_CORES:-1}" --memory "${SLUICE_SPARK_WORKER_MEMORY:-1g}" \
            --work-dir "$home/work" "$2"
        ;;
    *)
        echo "usage: $0 master | worker spark://MASTER:7077" >&2
        exit 2
        ;;
esac
