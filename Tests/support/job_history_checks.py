"""What the fault tests check in the job history after a run: every job completed exactly
once. Shared by the chaos suite (one host) and the cluster suite (test hosts, where it
runs inside a host: `python job_history_checks.py DATABASE_URL [JOB_ID...]` prints the
problems as JSON)."""

import collections
import json
import sys


def exactly_once_problems(db, ids=None):
    """What is wrong with jobs `ids` (every job when None), read through the psycopg
    connection `db`: a job not completed, a missing or repeated result, a stage that
    succeeded more than once, a job left unfinished. An empty list when nothing is."""
    where, parameters = ("WHERE job_id = ANY(%s::uuid[])", (list(ids),)) if ids is not None else ("", ())
    problems = []
    statuses = collections.Counter(
        status for (status,) in db.execute(f"SELECT status FROM jobs {where}", parameters).fetchall()
    )
    expected = len(ids) if ids is not None else sum(statuses.values())
    if statuses != {"completed": expected}:
        problems.append(f"job statuses {dict(statuses)}, expected {expected} completed")
    results = db.execute(f"SELECT count(*) FROM job_results {where}", parameters).fetchone()[0]
    if results != expected:
        problems.append(f"{results} results for {expected} jobs")
    repeated = db.execute(
        f"""SELECT job_id::text, stage, count(*) FROM stage_attempts {where}
            {'AND' if where else 'WHERE'} outcome = 'succeeded' GROUP BY job_id, stage HAVING count(*) > 1""",
        parameters,
    ).fetchall()
    problems += [f"job {job} stage {stage} succeeded {count} times" for job, stage, count in repeated]
    stuck = db.execute("SELECT count(*) FROM jobs WHERE status NOT IN ('completed', 'failed', 'cancelled')").fetchone()[0]
    if stuck:
        problems.append(f"{stuck} jobs left unfinished")
    return problems


if __name__ == "__main__":
    import psycopg

    with psycopg.connect(sys.argv[1]) as connection:
        print(json.dumps(exactly_once_problems(connection, sys.argv[2:] or None)))
