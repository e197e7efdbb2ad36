#!/usr/bin/env python3
"""cave_emulator.py: a local stand-in for the CAVE info + materialization services.

Serves, on 127.0.0.1 at a port the OS picks, the endpoints `connc fetch` uses
(../shared/cave/PROTOCOL.md §1-7), from the shipped column
(connectomes/minnie65_v1_column_synth: cells.csv, synapses.csv.gz) and the
real fixtures in ../shared/cave/fixtures/ (datastack record, version list,
version time stamps, table metadata).  Python 3 standard library only.

Behaves like MaterializationEngine 5.26.4 where it matters to a client:
  * info record with local_server pointing back at this emulator (§2);
  * token check: no Authorization header and no X-Requested-With -> 302 to a
    login page; header not "Bearer " -> 400; no/unknown token -> JSON 401;
    --tos-token -> 403 missing_tos (§3.3);
  * queries (§5.1, §5.2): filters keyed by table; filter_notin_dict accepted
    and IGNORED (the server's bug); unknown body keys -> 400; valid = true
    added; rows in an arbitrary order (shuffled per request: no ORDER BY);
    the row cap, signalled only by `Warning: 201 - "Limited query to N rows`;
    count=true; select_columns / select_column_map; positions split; root id
    selection adds the supervoxel column; gzip when asked;
  * extra rows the real tables have and a client must cope with: nuclei
    without a segment (pt_root_id 0), a multi-soma root id, invalid rows,
    synapses leaving the column, non-neuronal cells of other tables.

Fault modes (--fault, or a JSON control file re-read when it changes:
{"fault": MODE, "times": N, "every": K, "only": "query"|"all",
 "retry_after": S, "delay": S, "cap": N}); a fault hits requests number
0, K, 2K, ... (counted from the last control change) until N were hit:
  429       429 with Retry-After
  503       503 Service Unavailable
  reset     headers and half the body, then a TCP reset
  truncated headers (full Content-Length) and half the body, then close
  badjson   a 200 whose body is cut in half (invalid JSON)
  drip      half the body, then one byte every 2 s (a stalled transfer)
  drop      a valid page with a tenth of its rows removed and no warning
  delay     (not a fault) every query answer waits `delay` seconds

Bounded: it exits by itself after --time-limit seconds or --max-requests
requests, and every drip loop is capped.  Logs one line per request
(never a header, so never a token) to --log.
"""
import argparse
import csv
import gzip
import io
import json
import os
import random
import re
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DATASTACK = "minnie65_public"
CELL_TABLE = "allen_v1_column_types_slanted_ref"
LEGACY_CELL_TABLE = "allen_v1_column_types_slanted"
NUC_TABLE = "nucleus_detection_v0"
SYN_TABLE = "synapses_pni_2"
SERVER_VERSION = "5.26.4"
EPOCH_MS = 1604494928388  # a real `created` value (PROTOCOL.md §6.1)

SIMPLE_KEYS = {"filter_in_dict", "filter_notin_dict", "filter_equal_dict", "filter_greater_dict",
               "filter_less_dict", "filter_greater_equal_dict", "filter_less_equal_dict",
               "filter_spatial_dict", "filter_regex_dict", "select_columns", "offset", "limit",
               "desired_resolution"}
JOIN_KEYS = SIMPLE_KEYS | {"tables", "suffix_map", "suffixes", "select_column_map"}


class Table:
    """Rows as dicts in a fixed column order; positions stored split."""

    def __init__(self, name, columns, positions):
        self.name, self.columns, self.positions = name, columns, positions
        self.rows = []
        self.index = {}

    def add(self, row):
        self.rows.append(row)

    def build_index(self, col):
        idx = {}
        for i, r in enumerate(self.rows):
            idx.setdefault(r[col], []).append(i)
        self.index[col] = idx

    def expand(self, names):
        """Selected names -> output columns (positions split, root ids add supervoxels)."""
        out = []
        for n in names:
            if n in self.positions:
                out += [n + "_x", n + "_y", n + "_z"]
            elif n in self.columns:
                out.append(n)
                if n.endswith("_root_id"):
                    sv = n[: -len("root_id")] + "supervoxel_id"
                    if sv in self.columns and sv not in names:
                        out.append(sv)
            else:
                raise BadRequest("column '%s' not found in table %s" % (n, self.name))
        return [c for c in self.columns if c in out]


class BadRequest(Exception):
    pass


def load_data(column, seed):
    rnd = random.Random(seed)
    nuc = Table(NUC_TABLE, ["id", "created", "superceded_id", "valid", "volume", "pt_supervoxel_id", "pt_root_id",
                            "pt_position_x", "pt_position_y", "pt_position_z", "bb_start_position_x",
                            "bb_start_position_y", "bb_start_position_z", "bb_end_position_x",
                            "bb_end_position_y", "bb_end_position_z"], ["pt_position", "bb_start_position",
                                                                        "bb_end_position"])
    ref = Table(CELL_TABLE, ["id", "created", "superceded_id", "valid", "target_id", "classification_system",
                             "cell_type"], [])
    legacy = Table(LEGACY_CELL_TABLE, ["id", "created", "superceded_id", "valid", "classification_system",
                                       "cell_type", "pt_supervoxel_id", "pt_root_id", "pt_position_x",
                                       "pt_position_y", "pt_position_z"], ["pt_position"])
    syn = Table(SYN_TABLE, ["id", "created", "superceded_id", "valid", "pre_pt_position_x", "pre_pt_position_y",
                            "pre_pt_position_z", "post_pt_position_x", "post_pt_position_y", "post_pt_position_z",
                            "ctr_pt_position_x", "ctr_pt_position_y", "ctr_pt_position_z", "size",
                            "pre_pt_supervoxel_id", "pre_pt_root_id", "post_pt_supervoxel_id", "post_pt_root_id"],
                ["pre_pt_position", "post_pt_position", "ctr_pt_position"])

    def nucleus(nid, root, x, y, z, valid=True):
        nuc.add({"id": nid, "created": EPOCH_MS, "superceded_id": None, "valid": valid,
                 "volume": round(200 + 100 * rnd.random(), 6), "pt_supervoxel_id": 88000000000000000 + nid,
                 "pt_root_id": root, "pt_position_x": x, "pt_position_y": y, "pt_position_z": z,
                 "bb_start_position_x": None, "bb_start_position_y": None, "bb_start_position_z": None,
                 "bb_end_position_x": None, "bb_end_position_y": None, "bb_end_position_z": None})

    def cell(rid, nid, cls, ctype, valid=True):
        ref.add({"id": rid, "created": EPOCH_MS + rid, "superceded_id": None, "valid": valid, "target_id": nid,
                 "classification_system": cls, "cell_type": ctype})

    with open(os.path.join(column, "cells.csv"), newline="") as f:
        cells = list(csv.DictReader(f))
    for i, c in enumerate(cells):
        nid, root = int(c["id"]), int(c["pt_root_id"])
        x, y, z = int(c["pt_position_x"]), int(c["pt_position_y"]), int(c["pt_position_z"])
        nucleus(nid, root, x, y, z)
        cell(2 * i + 1, nid, c["classification_system"], c["cell_type"])
        legacy.add({"id": i + 1, "created": EPOCH_MS, "superceded_id": None, "valid": True,
                    "classification_system": c["classification_system"], "cell_type": c["cell_type"],
                    "pt_supervoxel_id": 88000000000000000 + nid, "pt_root_id": root,
                    "pt_position_x": x, "pt_position_y": y, "pt_position_z": z})
    roots = [int(c["pt_root_id"]) for c in cells]
    # Extras a client must handle; none of them belongs in the fetched column.
    base = 2 * len(cells) + 1
    nucleus(800000001, 0, 170000, 150000, 21000)                        # nucleus without a segment
    cell(base, 800000001, "aibs_coarse_excitatory", "23P")
    multi = 990000000000009999                                           # a multi-soma root id
    nucleus(800000002, multi, 171000, 151000, 21000)
    nucleus(800000003, multi, 171500, 151500, 21000)
    cell(base + 2, 800000002, "aibs_coarse_excitatory", "4P")
    cell(base + 4, 800000003, "aibs_coarse_excitatory", "4P")
    nucleus(800000004, 990000000000009998, 172000, 152000, 21000)        # an invalid annotation
    cell(base + 6, 800000004, "aibs_coarse_inhibitory", "BC", valid=False)
    for k in range(50):                                                  # nuclei outside the column
        nucleus(700000000 + k, 990000000000100000 + k, 100000 + k, 100000, 20000)
    ref.build_index("id")
    nuc.build_index("id")

    sid = 0
    with gzip.open(os.path.join(column, "synapses.csv.gz"), "rt", newline="") as f:
        for s in csv.DictReader(f):
            sid = int(s["id"])
            pre, post = int(s["pre_pt_root_id"]), int(s["post_pt_root_id"])
            x, y, z = int(s["ctr_pt_position_x"]), int(s["ctr_pt_position_y"]), int(s["ctr_pt_position_z"])
            syn.add(synapse(sid, pre, post, float(s["size"]), x, y, z, s["valid"] == "t"))
    # synapses leaving the column, to the multi-soma segment, and invalid ones
    for k in range(300):
        a, b = roots[k % len(roots)], roots[(7 * k + 3) % len(roots)]
        other = 990000000000100000 + k % 50
        pre, post = [(a, other), (other, b), (a, multi), (a, b)][k % 4]
        syn.add(synapse(sid + 1 + k, pre, post, 1000.0 + k, 170000, 150000, 21000, k % 4 != 3))
    syn.build_index("pre_pt_root_id")
    return {NUC_TABLE: nuc, CELL_TABLE: ref, LEGACY_CELL_TABLE: legacy, SYN_TABLE: syn}


def synapse(sid, pre, post, size, x, y, z, valid):
    return {"id": sid, "created": EPOCH_MS + sid % 1000, "superceded_id": None, "valid": valid,
            "pre_pt_position_x": x - 20, "pre_pt_position_y": y, "pre_pt_position_z": z,
            "post_pt_position_x": x + 20, "post_pt_position_y": y, "post_pt_position_z": z,
            "ctr_pt_position_x": x, "ctr_pt_position_y": y, "ctr_pt_position_z": z, "size": size,
            "pre_pt_supervoxel_id": 72000000000000000 + sid, "pre_pt_root_id": pre,
            "post_pt_supervoxel_id": 73000000000000000 + sid, "post_pt_root_id": post}


# ---------------------------------------------------------------- queries

def row_filter(table, filters):
    """filters: the body's filter dicts; returns a predicate over rows of `table`."""
    tests = []
    for key, op in (("filter_in_dict", "in"), ("filter_equal_dict", "=="), ("filter_greater_dict", ">"),
                    ("filter_less_dict", "<"), ("filter_greater_equal_dict", ">="),
                    ("filter_less_equal_dict", "<=")):
        for col, v in (filters.get(key) or {}).get(table.name, {}).items():
            if col not in table.columns:
                raise BadRequest("column '%s' not found in table %s" % (col, table.name))
            if op == "in":
                if not isinstance(v, list):
                    raise BadRequest("filter_in_dict values must be lists")
                tests.append((col, "in", set(v)))
            else:
                tests.append((col, op, v))
    for key in ("filter_spatial_dict", "filter_regex_dict"):
        if (filters.get(key) or {}).get(table.name):
            raise BadRequest("%s is not supported by the emulator" % key)
    # filter_notin_dict is accepted and ignored, as MaterializationEngine 5.26.4 does (PROTOCOL.md §5.1)
    ops = {"==": lambda a, b: a == b, ">": lambda a, b: a is not None and a > b,
           "<": lambda a, b: a is not None and a < b, ">=": lambda a, b: a is not None and a >= b,
           "<=": lambda a, b: a is not None and a <= b}

    def ok(r):
        if r["valid"] is not True:
            return False
        for col, op, v in tests:
            if op == "in":
                if r[col] not in v:
                    return False
            elif not ops[op](r[col], v):
                return False
        return True
    return ok


def candidates(table, filters):
    """Row indices worth testing: the pre-root index serves synapse batches."""
    ins = (filters.get("filter_in_dict") or {}).get(table.name, {})
    for col, idx in table.index.items():
        if col in ins and isinstance(ins[col], list):
            out = []
            for v in set(ins[col]):
                out += idx.get(v, [])
            return out
    return range(len(table.rows))


def simple_query(tables, tname, body):
    """Matching rows as row indices of the table, and the output columns."""
    t = tables[tname]
    ok = row_filter(t, body)
    rows = [i for i in candidates(t, body) if ok(t.rows[i])]
    cols = t.expand(body["select_columns"]) if body.get("select_columns") else t.columns
    return rows, cols


def join_query(tables, body):
    spec = body.get("tables")
    if not (isinstance(spec, list) and len(spec) == 2 and all(isinstance(p, list) and len(p) == 2 for p in spec)):
        raise BadRequest("tables: exactly two [table, column] pairs")
    (t0n, c0), (t1n, c1) = spec
    if t0n not in tables or t1n not in tables:
        raise BadRequest("unknown table in tables")
    t0, t1 = tables[t0n], tables[t1n]
    suffix = body.get("suffix_map") or {t0n: "x", t1n: "y"}
    sel = body.get("select_column_map") or {}
    cols0 = t0.expand(sel[t0n]) if t0n in sel else t0.columns
    cols1 = t1.expand(sel[t1n]) if t1n in sel else t1.columns
    common = set(t0.columns) & set(t1.columns)
    names = [c + suffix.get(t0n, "") if c in common else c for c in cols0] + \
            [c + suffix.get(t1n, "") if c in common else c for c in cols1]
    ok0, ok1 = row_filter(t0, body), row_filter(t1, body)
    if c1 not in t1.index:
        t1.build_index(c1)
    out = []
    for i in candidates(t0, body):
        r0 = t0.rows[i]
        if not ok0(r0):
            continue
        for j in t1.index[c1].get(r0[c0], []):
            r1 = t1.rows[j]
            if ok1(r1):
                out.append([r0[c] for c in cols0] + [r1[c] for c in cols1])
    return out, names


def jv(v):
    """One value as pandas to_json writes it: exact integers, floats as 1.0, null."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(v)


def render(keys, values):
    return "{" + ",".join(k + jv(v) for k, v in zip(keys, values)) + "}"


def records_json(rows, names):
    keys = [json.dumps(n) + ":" for n in names]
    return "[" + ",".join(render(keys, r) for r in rows) + "]"


class RowCache:
    """Rendered records of one table for one column selection, built lazily."""

    def __init__(self):
        self.lock = threading.Lock()
        self.cache = {}

    def records(self, table, idx, cols):
        key = (table.name, tuple(cols))
        with self.lock:
            c = self.cache.setdefault(key, {})
        keys = [json.dumps(n) + ":" for n in cols]
        out = []
        for i in idx:
            s = c.get(i)
            if s is None:
                r = table.rows[i]
                s = c[i] = render(keys, [r[k] for k in cols])
            out.append(s)
        return "[" + ",".join(out) + "]"


# ---------------------------------------------------------------- server

class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.requests = 0
        self.tables = load_data(args.column, args.seed)
        fx = args.fixtures
        with open(os.path.join(fx, "info_datastack_minnie65_public.json")) as f:
            self.info = json.load(f)
        with open(os.path.join(fx, "materialize_versions_minnie65_public.json")) as f:
            self.versions = json.load(f)
        with open(os.path.join(fx, "version_timestamps_minnie65_public.json")) as f:
            self.timestamps = {int(k): v for k, v in json.load(f).items()}
        with open(os.path.join(fx, "table_metadata_nucleus_detection_v0.client.json")) as f:
            nucm = json.load(f)
        with open(os.path.join(fx, "table_metadata_allen_v1_column_types_slanted.json")) as f:
            legm = json.load(f)
        self.metadata = metadata_records(nucm, legm)
        self.control = {"fault": args.fault, "times": args.fault_times, "every": args.fault_every,
                        "only": args.fault_only, "retry_after": args.retry_after, "delay": 0.0, "cap": args.cap}
        self.control_stamp = None
        self.rowcache = RowCache()
        self.fault_seq = 0
        self.faults_done = 0

    def reload_control(self):
        p = self.args.control
        if not p:
            return
        try:
            st = os.stat(p)
        except OSError:
            return
        stamp = (st.st_mtime_ns, st.st_ino, st.st_size)
        if stamp == self.control_stamp:
            return
        try:
            with open(p) as f:
                c = json.load(f)
        except (OSError, ValueError):
            return
        self.control_stamp = stamp
        self.control = {"fault": c.get("fault"), "times": int(c.get("times", 1)), "every": int(c.get("every", 2)),
                        "only": c.get("only", "query"), "retry_after": c.get("retry_after", 1),
                        "delay": float(c.get("delay", 0)), "cap": int(c.get("cap", self.args.cap))}
        self.fault_seq = 0
        self.faults_done = 0

    def pick_fault(self, is_query):
        """The fault for this request, or None.  is_query: a data query (not a count)."""
        with self.lock:
            self.reload_control()
            c = self.control
            if not c["fault"] or c["fault"] == "delay" or (c["only"] == "query" and not is_query):
                return None
            n = self.fault_seq
            self.fault_seq += 1
            if self.faults_done < c["times"] and n % max(1, c["every"]) == 0:
                self.faults_done += 1
                return c["fault"]
            return None


def metadata_records(nucm, legm):
    """Server-shaped table metadata (§4.3) from the fixtures."""
    nuc = {k: v for k, v in nucm.items() if k != "voxel_resolution"}
    nuc.update(zip(("voxel_resolution_x", "voxel_resolution_y", "voxel_resolution_z"), nucm["voxel_resolution"]))
    ref = dict(legm)
    ref.update({"id": 1021, "table_name": CELL_TABLE, "schema": "cell_type_reference",
                "schema_type": "cell_type_reference", "reference_table": NUC_TABLE,
                "created": "2023-03-18T14:13:21.000000",
                "description": "(emulator) " + legm["description"]})
    syn = {"aligned_volume": "minnie65_phase3", "id": 2, "schema": "synapse", "schema_type": "synapse",
           "valid": True, "created": "2020-11-04T06:48:38.000000", "table_name": SYN_TABLE,
           "description": "(emulator) synapses of the shipped synthetic column", "user_id": "121",
           "reference_table": None, "notice_text": "emulator notice", "flat_segmentation_source": "",
           "voxel_resolution_x": 4.0, "voxel_resolution_y": 4.0, "voxel_resolution_z": 40.0}
    return {NUC_TABLE: nuc, LEGACY_CELL_TABLE: legm, CELL_TABLE: ref, SYN_TABLE: syn}


def tables_at(version):
    """The cell-type reference table from v661 on; its cell_type_local predecessor up to v343 (§9.3)."""
    t = [SYN_TABLE, NUC_TABLE]
    if version >= 661:
        t.append(CELL_TABLE)
    if version <= 343:
        t.append(LEGACY_CELL_TABLE)
    return t


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cave-emulator"
    sys_version = ""

    def setup(self):
        super().setup()
        # headers and body go out in separate writes: without this, Nagle's
        # algorithm meets the client's delayed ACK and every answer waits 40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *a):  # the default logs to stderr; we log to --log
        pass

    def log_line(self, status, fault, rows):
        st = self.server.state
        if st.args.log:
            with st.lock, open(st.args.log, "a") as f:
                f.write("%d %s %s %s %s %s\n" % (st.requests, self.command, self.path.split("?")[0], status,
                                                  fault or "-", rows))

    # -- replies
    def send(self, status, obj=None, text=None, headers=(), fault=None, rows="-"):
        body = (text if text is not None else json.dumps(obj)).encode()
        if fault == "badjson":
            body = body[: len(body) // 2]
        gz = "gzip" in (self.headers.get("Accept-Encoding") or "") and 200 <= status < 300
        if gz:
            body = gzip.compress(body, 1)  # level 1: the emulator should not be the bottleneck
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in headers:
            self.send_header(k, v)
        if gz:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.log_line(status, fault, rows)
        if fault in ("reset", "truncated", "drip"):
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            if fault == "drip":
                self.drip(body[len(body) // 2:])
            self.abort(reset=fault == "reset")
            return
        self.wfile.write(body)

    def drip(self, rest):
        deadline = time.time() + 20  # bounded: the client gives up long before
        for b in rest:
            if time.time() > deadline:
                break
            time.sleep(2)
            try:
                self.wfile.write(bytes([b]))
                self.wfile.flush()
            except OSError:
                break

    def abort(self, reset):
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_WR)
            self.connection.close()
        except OSError:
            pass

    def send_fault(self, fault):
        c = self.server.state.control
        if fault == "429":
            self.send(429, text="429 Too Many Requests: 1 per 1 second",
                      headers=[("Retry-After", str(c["retry_after"]))], fault=fault)
        elif fault == "503":
            self.send(503, text="<html><body>503 Service Unavailable</body></html>", fault=fault)
        else:
            return False
        return True

    # -- auth (§3.3)
    def check_auth(self):
        st = self.server.state
        auth = self.headers.get("Authorization")
        if auth is None and not self.headers.get("X-Requested-With") and not self.headers.get("Origin"):
            self.send_response(302)
            self.send_header("Location", "https://global.daf-apis.com/auth/api/v1/authorize?redirect=" + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.log_line(302, None, "-")
            return False
        if auth is not None and not auth.startswith("Bearer "):
            self.send(400, {"error": "bad_auth_header", "message": "Authorization header must begin with 'Bearer'"})
            return False
        token = auth[len("Bearer "):] if auth else None
        if st.args.tos_token and token == st.args.tos_token:
            self.send(403, {"error": "missing_tos", "message": "Need to accept Terms of Service to access resource.",
                            "data": {"tos_id": 2, "tos_name": "MICrONS Public Release",
                                     "tos_form_url": "https://global.daf-apis.com/auth/api/v1/tos/2/accept"}})
            return False
        if st.args.token and token != st.args.token:
            if token is None:
                self.send(401, {"error": "no_token", "message": "Unauthorized - No Token Provided"},
                          headers=[("WWW-Authenticate", 'Bearer realm="https://global.daf-apis.com/auth/api/v1/authorize"')])
            else:
                self.send(401, {"error": "invalid_token", "message": "Unauthorized - Token is Invalid or Expired"})
            return False
        return True

    def count_request(self):
        st = self.server.state
        with st.lock:
            st.requests += 1
            n = st.requests
        if n >= st.args.max_requests:
            threading.Thread(target=self.server.shutdown, daemon=True).start()
        return n

    def do_GET(self):
        self.count_request()
        fault = self.server.state.pick_fault(False)
        if fault and self.send_fault(fault):
            return
        if not self.check_auth():
            return
        try:
            self.route_get(self.path.split("?")[0], fault)
        except BadRequest as e:
            self.send(400, {"message": str(e)})

    def route_get(self, path, fault):
        st = self.server.state
        m = re.fullmatch(r"/info/api/v2/datastack/full/([^/]+)", path)
        if m:
            if m.group(1) != DATASTACK:
                return self.send(404, {"message": "datastack %s not found" % m.group(1)})
            info = dict(st.info)
            info["local_server"] = "http://127.0.0.1:%d" % self.server.server_address[1]
            return self.send(200, info, fault=fault)
        if path == "/materialize/api/versions":
            return self.send(200, [2, 3], fault=fault)
        if path == "/materialize/version":
            return self.send(200, SERVER_VERSION, fault=fault)
        m = re.fullmatch(r"/materialize/api/v(\d)/datastack/([^/]+)(/.*)", path)
        if not m or m.group(2) != DATASTACK:
            return self.send(404, {"message": "not found"})
        api, rest = m.group(1), m.group(3)
        if api == "3" and rest == "/versions":
            return self.send(200, st.versions, fault=fault)
        m = re.fullmatch(r"/version/(-?\d+)(/.*)?", rest)
        if not m:
            return self.send(404, {"message": "not found"})
        v, tail = int(m.group(1)), m.group(2) or ""
        if api == "3" and tail == "":
            if v not in st.timestamps:
                return self.send(404, "No version found")
            valid = v in st.versions
            return self.send(200, {"id": v, "datastack": DATASTACK, "version": v, "time_stamp": st.timestamps[v],
                                   "valid": valid, "expires_on": None,
                                   "status": "AVAILABLE" if valid else "EXPIRED", "is_merged": True}, fault=fault)
        if not self.version_ok(v):
            return
        if api == "2" and tail == "/tables":
            return self.send(200, tables_at(v), fault=fault)
        m = re.fullmatch(r"/table/([^/]+)/(metadata|count)", tail)
        if not m or m.group(1) not in tables_at(v):
            return self.send(404, "No table named '%s' found for version %d in datastack %s"
                             % (m.group(1) if m else "?", v, DATASTACK))
        if m.group(2) == "metadata" and api == "3":
            return self.send(200, st.metadata[m.group(1)], fault=fault)
        if m.group(2) == "count" and api == "2":
            return self.send(200, len(st.tables[m.group(1)].rows), fault=fault)
        return self.send(404, {"message": "not found"})

    def version_ok(self, v):
        st = self.server.state
        if v not in st.timestamps:
            self.send(404, {"message": "version %d not found in %s" % (v, DATASTACK)})
            return False
        if v not in st.versions:
            self.send(410, {"message": "This materialization version is not available"})
            return False
        return True

    def do_POST(self):
        n = self.count_request()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        counting = re.search(r"[?&]count=(true|1)(&|$)", self.path, re.I) is not None
        fault = self.server.state.pick_fault(not counting)
        if fault and self.send_fault(fault):
            return
        if not self.check_auth():
            return
        try:
            self.route_post(self.path, raw, fault, n)
        except BadRequest as e:
            self.send(400, {"message": str(e)})

    def route_post(self, full, raw, fault, n):
        st = self.server.state
        path, _, qs = full.partition("?")
        params = dict(p.split("=", 1) for p in qs.split("&") if "=" in p)
        m = re.fullmatch(r"/materialize/api/v3/datastack/([^/]+)/version/(-?\d+)(?:/table/([^/]+))?/query", path)
        if not m or m.group(1) != DATASTACK:
            return self.send(404, {"message": "not found"})
        v, tname = int(m.group(2)), m.group(3)
        if not self.version_ok(v):
            return
        if params.get("return_pyarrow", "true").lower() not in ("false", "0"):
            raise BadRequest("the emulator only answers JSON (return_pyarrow=false)")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise BadRequest("request body is not JSON")
        if not isinstance(body, dict):
            raise BadRequest("request body must be an object")
        unknown = set(body) - (SIMPLE_KEYS if tname else JOIN_KEYS)
        if unknown:
            return self.send(400, {"message": {k: ["Unknown field."] for k in sorted(unknown)}})
        if tname:
            if tname not in tables_at(v):
                return self.send(404, "No table named '%s' found for version %d in datastack %s" % (tname, v, DATASTACK))
            rows, names = simple_query(st.tables, tname, body)
        else:
            rows, names = join_query(st.tables, body)
        headers = [("dataframe_resolution", "4.0"), ("dataframe_resolution", "4.0"), ("dataframe_resolution", "40.0")]
        if tname == SYN_TABLE:
            headers.append(("Warning", "Table Owner Notice on %s: emulator notice" % SYN_TABLE))
        if params.get("count", "false").lower() in ("true", "1"):
            return self.send(200, [{"count": len(rows)}], headers=headers, fault=fault, rows=1)
        random.Random(n).shuffle(rows)  # no ORDER BY: any order, different each time
        cap = st.control["cap"]
        limit = min(int(body.get("limit") or cap), cap)
        rows = rows[int(body.get("offset") or 0):]
        if len(rows) >= limit:
            rows = rows[:limit]
            headers.append(("Warning", '201 - "Limited query to %d rows' % limit))
        if fault == "drop" and rows:
            rows = rows[: len(rows) - max(1, len(rows) // 10)]
        if st.control["delay"] > 0:
            time.sleep(st.control["delay"])
        text = st.rowcache.records(st.tables[tname], rows, names) if tname else records_json(rows, names)
        return self.send(200, text=text, headers=headers, fault=fault, rows=len(rows))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap.add_argument("--column", default=os.path.join(root, "connectomes", "minnie65_v1_column_synth"))
    ap.add_argument("--fixtures", default=os.path.join(os.path.dirname(root), "shared", "cave", "fixtures"))
    ap.add_argument("--port-file", help="write the chosen port here (atomically)")
    ap.add_argument("--token", help="the only token accepted (default: none needed)")
    ap.add_argument("--tos-token", help="a token answered with 403 missing_tos")
    ap.add_argument("--cap", type=int, default=200000, help="rows per query (QUERY_LIMIT_SIZE)")
    ap.add_argument("--fault", choices=["429", "503", "reset", "truncated", "badjson", "drip", "drop"])
    ap.add_argument("--fault-times", type=int, default=1)
    ap.add_argument("--fault-every", type=int, default=2)
    ap.add_argument("--fault-only", choices=["query", "all"], default="query")
    ap.add_argument("--retry-after", default="1")
    ap.add_argument("--control", help="JSON control file, re-read when it changes")
    ap.add_argument("--log", help="one line per request")
    ap.add_argument("--seed", type=int, default=1718)
    ap.add_argument("--time-limit", type=float, default=300)
    ap.add_argument("--max-requests", type=int, default=20000)
    args = ap.parse_args()

    state = State(args)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.state = state
    port = srv.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    else:
        print(port, flush=True)

    def watchdog():
        time.sleep(args.time_limit)
        os._exit(0)  # hard stop, whatever the server threads are doing
    threading.Thread(target=watchdog, daemon=True).start()
    srv.serve_forever(poll_interval=0.2)
    srv.server_close()


if __name__ == "__main__":
    main()
