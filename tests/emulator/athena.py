"""Athena, as far as slo uses it: tables made by `CREATE EXTERNAL TABLE … ROW FORMAT SERDE
RegexSerDe` (the documented ALB access-log table, with partition projection), and queries run
for real, in DuckDB, over the objects such a table's location holds.

Used by the emulator (StartQueryExecution, GetQueryExecution, GetQueryResults,
GetTableMetadata) and by the SQL's equivalence test (`duckdb_equivalence.py`), so that both run
a query the same way:

* the table's rows come from its `input.regex` as Hive's RegexSerDe reads it: the whole line
  must match (Java's `Matcher.matches()`; Python's `re.fullmatch`), a line that does not is a
  row of NULLs, a group that took no part is NULL, `int`/`bigint`/`double` columns whose text is
  not a number are NULL (`-` in `elb_status_code`);
* the `day` partition of a projected table is the object's `yyyy/MM/dd` below the template's
  `${day}`;
* the query is Athena's (Trino) SQL, transpiled to DuckDB's by sqlglot.

Where DuckDB and Athena differ for the queries slo writes, it is said where it matters (the
test says it too): `substr`, `ceil`, `CASE`, `BETWEEN`, `GROUPING SETS` and string comparison
behave alike; sqlglot writes Trino's `CAST(x AS BIGINT)` and `ceil` as DuckDB's.
"""

import csv
import gzip
import os
import re
import tempfile
import threading

import duckdb
import sqlglot

NULL = "\x01NULL\x01"  # never in a log line (control characters are escaped by ALB)
TYPES = {"string": "VARCHAR", "int": "INTEGER", "bigint": "BIGINT", "double": "DOUBLE"}


class AthenaError(Exception):
    pass


def sql_string(text, start):
    """The Hive/Athena string literal starting at `text[start]` (a quote): its value and the
    index after it. Backslash escapes: `\\"` is `"`, `\\\\` is `\\`, any other `\\x` keeps
    the backslash (as Hive's unescapeSQLString does for regex classes like `\\s`)."""
    quote = text[start]
    out = []
    i = start + 1
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n in ("\"", "'", "\\"):
                out.append(n)
            else:
                out.append(c + n)
            i += 2
            continue
        if c == quote:
            return "".join(out), i + 1
        out.append(c)
        i += 1
    raise AthenaError("unterminated string literal")


def properties(text):
    """`'key' = 'value'` pairs (either quote) of a SERDEPROPERTIES or TBLPROPERTIES list."""
    out = {}
    i = 0
    while i < len(text):
        if text[i] in "'\"":
            key, i = sql_string(text, i)
            m = re.compile(r"\s*=\s*").match(text, i)
            if not m:
                continue
            i = m.end()
            value, i = sql_string(text, i)
            out[key] = value
        else:
            i += 1
    return out


def clause(ddl, keyword):
    """The parenthesised text after `keyword` (outermost parentheses, strings skipped)."""
    m = re.search(keyword + r"\s*\(", ddl, re.IGNORECASE)
    if not m:
        return None
    return paren_body(ddl, m.end())


def paren_body(ddl, i):
    """The text from `i` (just after an opening parenthesis) to its closing one."""
    depth = 1
    start = i
    while i < len(ddl) and depth:
        c = ddl[i]
        if c in "'\"":
            _, i = sql_string(ddl, i)
            continue
        depth += c == "("
        depth -= c == ")"
        i += 1
    return ddl[start:i - 1]


class Table:
    def __init__(self, ddl, default_database="default"):
        m = re.match(r"\s*CREATE\s+EXTERNAL\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?([`\w.]+)\s*\(",
                     ddl, re.IGNORECASE)
        if not m:
            raise AthenaError("only CREATE EXTERNAL TABLE is understood here")
        name = m.group(2).replace("`", "")
        self.database, _, self.name = name.rpartition(".")
        self.database = self.database or default_database
        self.columns = self.column_list(paren_body(ddl, m.end()))
        parts = clause(ddl, "PARTITIONED BY")
        self.partitions = self.column_list(parts) if parts else []
        serde = properties(clause(ddl, "SERDEPROPERTIES") or "")
        if "input.regex" not in serde:
            raise AthenaError("the table has no input.regex (only RegexSerDe tables are read)")
        self.regex = re.compile(serde["input.regex"])
        loc = re.search(r"LOCATION\s+'([^']*)'", ddl, re.IGNORECASE)
        self.location = loc.group(1) if loc else ""
        self.tblproperties = properties(clause(ddl, "TBLPROPERTIES") or "")
        self.ddl = ddl

    @staticmethod
    def column_list(text):
        out = []
        for part in text.split(","):
            bits = part.split()
            if len(bits) >= 2:
                out.append((bits[0].strip("`").lower(), bits[1].lower()))
        return out

    def metadata(self):
        params = dict(self.tblproperties)
        params["location"] = self.location
        params["serde.param.input.regex"] = self.regex.pattern
        params["serde.serialization.lib"] = "org.apache.hadoop.hive.serde2.RegexSerDe"
        return {
            "Name": self.name,
            "TableType": "EXTERNAL_TABLE",
            "Columns": [{"Name": n, "Type": t} for n, t in self.columns],
            "PartitionKeys": [{"Name": n, "Type": t} for n, t in self.partitions],
            "Parameters": params,
        }

    def template(self):
        """Where partitions are: the projection template, or the location with `${day}`."""
        t = self.tblproperties.get("storage.location.template")
        if t:
            return t
        return self.location.rstrip("/") + "/${day}"

    def row(self, line):
        m = self.regex.fullmatch(line)
        if not m:
            return [None] * len(self.columns)
        out = []
        for (name, kind), text in zip(self.columns, m.groups()):
            out.append(typed(kind, text))
        out.extend([None] * (len(self.columns) - len(out)))
        return out


def typed(kind, text):
    if text is None:
        return None
    if kind in ("int", "bigint"):
        try:
            return int(text)
        except ValueError:
            return None
    if kind == "double":
        try:
            return float(text)
        except ValueError:
            return None
    return text


DAY = re.compile(r"(\d{4}/\d{2}/\d{2})/[^/]+$")


def load(conn, table, objects):
    """`objects`: (key or path, bytes). Rows of every line, with `day` from the key."""
    cols = table.columns + table.partitions
    conn.execute("CREATE SCHEMA IF NOT EXISTS %s" % table.database)
    conn.execute("CREATE OR REPLACE TABLE %s.%s (%s)" % (
        table.database, table.name,
        ", ".join("%s %s" % (n, TYPES.get(t, "VARCHAR")) for n, t in cols)))
    rows = []
    for key, data in objects:
        day = DAY.search(key)
        for line in lines(data):
            row = table.row(line)
            if table.partitions:
                row.append(day.group(1) if day else None)
            rows.append(row)
    # Through a CSV file: DuckDB's executemany inserts a row at a time, minutes for a day.
    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", delete=False) as f:
        w = csv.writer(f)
        for row in rows:
            w.writerow([NULL if v is None else v for v in row])
        path = f.name
    try:
        types = ", ".join("'%s': '%s'" % (n, TYPES.get(t, "VARCHAR")) for n, t in cols)
        conn.execute("INSERT INTO %s.%s SELECT * FROM read_csv('%s', header = false, "
                     "nullstr = '%s', quote = '\"', escape = '\"', columns = {%s})"
                     % (table.database, table.name, path, NULL, types))
    finally:
        os.unlink(path)
    return len(rows)


def without_comments(sql):
    """The statement without its leading `--` comment lines (Athena accepts them)."""
    return re.sub(r"\A(\s*--[^\n]*\n)*", "", sql).strip()


def lines(data):
    """The lines of an object (gzipped or not), as Hive's text input reads them."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    for raw in data.split(b"\n"):
        raw = raw.rstrip(b"\r")
        if raw:
            yield raw.decode("utf-8", "replace")


def to_duckdb(sql):
    return sqlglot.transpile(sql, read="athena", write="duckdb")[0]


def run(conn, sql):
    """Column names and rows (every value as Athena's results give it: text, or None)."""
    try:
        cur = conn.execute(to_duckdb(sql))
    except (duckdb.Error, sqlglot.errors.SqlglotError) as e:
        raise AthenaError(str(e))
    names = [d[0] for d in cur.description]
    rows = [[None if v is None else text_of(v) for v in r] for r in cur.fetchall()]
    return names, rows


def text_of(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def day_range(sql):
    """The `day BETWEEN 'a' AND 'b'` a query names (partition pruning), or None."""
    m = re.search(r"\bday\s+BETWEEN\s+'([^']+)'\s+AND\s+'([^']+)'", sql, re.IGNORECASE)
    return (m.group(1), m.group(2)) if m else None


def table_names(sql):
    return [t.replace('"', "").replace("`", "") for t in
            re.findall(r"\bFROM\s+([\w\"`]+\.[\w\"`]+)", sql, re.IGNORECASE)]


class Athena:
    """The service: tables by (database, name), query executions by id. `objects(bucket,
    prefix)` yields (key, bytes) of the emulator's S3. A query runs when it is started; it is
    RUNNING for its first status call (so clients poll), then SUCCEEDED or FAILED."""

    def __init__(self, objects):
        self.objects = objects
        self.tables = {}
        self.executions = {}

    def start(self, params):
        sql = without_comments(params.get("QueryString") or "")
        context = params.get("QueryExecutionContext") or {}
        database = context.get("Database") or "default"
        qid = "%08x-0000-4000-8000-%012x" % (len(self.executions) + 1, len(self.executions) + 1)
        ex = {"id": qid, "sql": sql, "database": database, "state": "SUCCEEDED", "reason": None,
              "scanned": 0, "columns": [], "rows": [], "polls": 1, "kind": "DML",
              "workgroup": params.get("WorkGroup") or "primary",
              "output": (params.get("ResultConfiguration") or {}).get("OutputLocation")}
        self.executions[qid] = ex
        if re.match(r"\s*CREATE\s+(EXTERNAL\s+TABLE|DATABASE)", sql, re.IGNORECASE):
            ex["kind"] = "DDL"
            self.execute(ex)
        else:
            # Queries run in the background, as Athena's do: RUNNING until done.
            ex["state"] = "RUNNING"
            threading.Thread(target=self.execute, args=(ex,), daemon=True).start()
        return qid

    def execute(self, ex):
        try:
            if ex["kind"] == "DDL":
                if re.match(r"\s*CREATE\s+EXTERNAL", ex["sql"], re.IGNORECASE):
                    t = Table(ex["sql"], ex["database"])
                    self.tables[(t.database, t.name)] = t
            else:
                self.select(ex)
            ex["state"] = "SUCCEEDED"
        except AthenaError as e:
            ex["state"], ex["reason"] = "FAILED", str(e)
        except Exception as e:  # an emulator bug: say it as Athena would say an internal error
            ex["state"], ex["reason"] = "FAILED", "INTERNAL_ERROR: %r" % e

    def select(self, ex):
        sql = ex["sql"]
        conn = duckdb.connect()
        days = day_range(sql)
        for name in table_names(sql) or []:
            db, _, tname = name.rpartition(".")
            table = self.tables.get((db or ex["database"], tname))
            if not table:
                raise AthenaError("TABLE_NOT_FOUND: line 1: Table 'awsdatacatalog.%s' does not exist" % name)
            chosen = []
            for key, data in self.partition_objects(table, days):
                ex["scanned"] += len(data)
                chosen.append((key, data))
            load(conn, table, chosen)
        ex["columns"], ex["rows"] = run(conn, sql)

    def partition_objects(self, table, days):
        """The objects of the days a query's `day BETWEEN` names (projection prunes the
        rest), or of every day."""
        template = table.template()
        base = template.split("${day}")[0]
        if not base.startswith("s3://"):
            raise AthenaError("the table's location is not in S3: %s" % base)
        bucket, _, prefix = base[len("s3://"):].partition("/")
        for key, data in self.objects(bucket, prefix):
            day = DAY.search(key)
            if days and (not day or not (days[0] <= day.group(1) <= days[1])):
                continue
            yield key, data

    def status(self, qid):
        ex = self.executions.get(qid)
        if not ex:
            return None
        state = ex["state"]
        if ex["polls"] > 0:
            ex["polls"] -= 1
            state = "RUNNING"
        status = {"State": state, "SubmissionDateTime": 0}
        if ex["reason"] and state == "FAILED":
            status["StateChangeReason"] = ex["reason"]
        out = {"QueryExecutionId": qid, "Query": ex["sql"], "StatementType": ex["kind"],
               "Status": status, "WorkGroup": ex["workgroup"],
               "QueryExecutionContext": {"Database": ex["database"]},
               "Statistics": {"EngineExecutionTimeInMillis": 1}}
        if state in ("SUCCEEDED", "FAILED"):
            out["Statistics"]["DataScannedInBytes"] = ex["scanned"]
        if ex["output"]:
            out["ResultConfiguration"] = {"OutputLocation": ex["output"].rstrip("/") + "/" + qid + ".csv"}
        return out

    def results(self, qid, token, limit):
        """A page (header row first on the first page, as Athena gives a SELECT's)."""
        ex = self.executions[qid]
        rows = [[{"VarCharValue": c} for c in ex["columns"]]] if ex["kind"] == "DML" else []
        rows += [[{} if v is None else {"VarCharValue": v} for v in r] for r in ex["rows"]]
        start = int(token or 0)
        page = rows[start:start + limit]
        out = {"ResultSet": {"Rows": [{"Data": r} for r in page],
                             "ResultSetMetadata": {"ColumnInfo": [
                                 {"Name": c, "Label": c, "Type": "varchar", "CatalogName": "hive",
                                  "SchemaName": "", "TableName": ""} for c in ex["columns"]]}},
               "UpdateCount": 0}
        if start + limit < len(rows):
            out["NextToken"] = str(start + limit)
        return out
