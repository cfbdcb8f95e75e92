"""Runs slo's Athena query on local ALB access-log files, in DuckDB, the way Athena would:

    duckdb_equivalence.py DDL_FILE SQL_FILE LOG_DIR [OTHER_DDL_FILE]

DDL_FILE is the `CREATE EXTERNAL TABLE` slo prints (`slo init --athena`), SQL_FILE the query
a report asks. Every file under LOG_DIR is read through the table's `input.regex` as Hive's
RegexSerDe reads it (athena.py), with its `day` partition from its path; the query is transpiled
from Athena's SQL to DuckDB's by sqlglot. Prints JSON: the columns and rows of the answer, the
transpiled SQL, and how many lines the regex did not match (rows of NULLs, as in Athena);
with OTHER_DDL_FILE, also how many lines its expression would not match.
"""

import json
import os
import sys

import duckdb

import athena


def main():
    ddl_file, sql_file, logs = sys.argv[1:4]
    with open(ddl_file) as f:
        table = athena.Table(f.read())
    with open(sql_file) as f:
        sql = f.read()
    objects = []
    for root, _, files in os.walk(logs):
        for name in sorted(files):
            if name.endswith((".log", ".log.gz")):
                path = os.path.join(root, name)
                with open(path, "rb") as f:
                    objects.append((os.path.relpath(path, logs), f.read()))
    conn = duckdb.connect()
    rows = athena.load(conn, table, objects)
    unmatched = conn.execute(
        "SELECT count(*) FROM %s.%s WHERE type IS NULL" % (table.database, table.name)
    ).fetchone()[0]
    columns, answer = athena.run(conn, sql)
    out = {"columns": columns, "rows": answer, "lines": rows, "unmatched": unmatched,
           "duckdb_sql": athena.to_duckdb(sql)}
    if len(sys.argv) > 4:
        with open(sys.argv[4]) as f:
            other = athena.Table(f.read())
        out["other_unmatched"] = sum(
            1 for _, data in objects for line in athena.lines(data)
            if other.regex.fullmatch(line) is None)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
