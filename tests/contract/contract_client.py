#!/usr/bin/env python3
"""A client written only from PRODUCT.md: Python's standard library, JSON bodies with
the field names PRODUCT.md lists (snake_case, as the proto3 JSON mapping accepts), no
code from this repository. Starts hwload-server (path in argv[1]) on a free port with a
temporary database and checks the contract's figures. Exit 0 when all hold."""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def main():
    server_bin = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        port_file = os.path.join(tmp, "port")
        db = os.path.join(tmp, "c.db")
        # The operator's first token (README: bootstrapping), printed as the last line.
        out = subprocess.check_output([server_bin, "--db", db, "token", "create", "--role", "operator"])
        global TOKEN
        TOKEN = out.decode().strip().splitlines()[-1]
        proc = subprocess.Popen([server_bin, "--listen", "127.0.0.1:0", "--db", db,
                                 "--port-file", port_file, "--log-level", "warn"])
        try:
            for _ in range(600):
                if os.path.exists(port_file) and open(port_file).read().strip():
                    break
                time.sleep(0.1)
            base = "http://127.0.0.1:%s" % open(port_file).read().strip()
            run(base)
        finally:
            proc.terminate()
            code = proc.wait(timeout=30)
        assert code == 0, "SIGTERM should drain and exit 0, got %s" % code
    print("contract client: 1 passed, 0 failed")


TOKEN = ""


def call(base, method, path, body=None, expect=200, token=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    token = TOKEN if token is None else token
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            status, text = res.status, res.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    assert status == expect, "%s %s: expected %d, got %d: %s" % (method, path, expect, status, text)
    return json.loads(text) if text else None


def run(base):
    # Without a token, or with a wrong one, nothing is read or changed.
    err = call(base, "PUT", "/v1/schools/py1", {"name": "x", "district": "d"}, expect=401, token="")
    assert err["code"] == "UNAUTHENTICATED", err
    call(base, "GET", "/v1/breaches", expect=401, token="hwl_0000000000000000_" + "A" * 43)
    call(base, "PUT", "/v1/schools/py1", {"name": "Python 中学", "district": "dist-py", "profile": "national"})
    call(base, "PUT", "/v1/schools/py1/classes/c7", {"grade": 7, "name": "七年级7班", "student_count": 40})
    err = call(base, "PUT", "/v1/schools/py1/classes/c0", {"grade": 0}, expect=400)
    assert err["code"] and "grade" in err["message"], err

    def assignment(aid, minutes, subject):
        return {"assignment_id": aid, "school_id": "py1", "class_id": "c7", "teacher_id": "t-py",
                "subject": subject, "assigned_date": "2026-11-17", "type": "WRITTEN", "tier": "REQUIRED",
                "estimated_minutes": minutes, "title": subject + " homework"}

    res = call(base, "POST", "/v1/assignments",
               {"assignments": [assignment("p1", 60, "数学"), assignment("p2", 40, "语文")]})
    assert [i["status"] for i in res["items"]] == ["CREATED", "CREATED"], res
    assert res["warnings"][0]["code"] == "PLANNED_OVER_CAP", res
    res = call(base, "POST", "/v1/assignments", {"assignments": [assignment("p1", 60, "数学")]})
    assert res["items"][0]["status"] == "UNCHANGED", res
    res = call(base, "POST", "/v1/assignments", {"assignments": [assignment("p1", 61, "数学")]})
    assert res["items"][0]["status"] == "REJECTED" and res["items"][0]["error"]["code"] == "CONFLICT", res

    students = [{"student_key": "s%02d" % i, "minutes": m} for i, m in enumerate([50, 60, 70, 80], 1)]
    call(base, "POST", "/v1/timings", {"reports": [{"assignment_id": "p1", "students": students}]})
    load = call(base, "GET", "/v1/schools/py1/classes/c7/load?from=2026-11-17&to=2026-11-17")
    day = load["days"][0]
    assert day["dayKind"] == "SCHOOL_DAY" and day["capMinutes"] == 90, day
    assert day["plannedMinutes"] == 100, day
    assert day["measuredMeanMinutes"] == 65, day
    assert day["measuredP90Minutes"] == 80, day  # nearest rank of [50, 60, 70, 80]
    assert day["studentsReported"] == 4 and day["studentsOverCap"] == 0, day
    kinds = sorted(b["kind"] for b in day["breaches"])
    assert kinds == ["PLANNED_OVER_CAP"], kinds

    week = call(base, "GET", "/v1/schools/py1/grades/7/weeks/2026-W47")
    assert len(week["classes"]) == 1 and len(week["classes"][0]["days"]) == 7, week
    call(base, "GET", "/v1/schools/py1/grades/7/weeks/2026-W99", expect=400)
    call(base, "DELETE", "/v1/assignments/p2", expect=204)
    breaches = call(base, "GET", "/v1/breaches?school_id=py1&from=2026-11-17&to=2026-11-17")["breaches"]
    assert [b["state"] for b in breaches] == ["RESOLVED"], breaches
    comp = call(base, "GET", "/v1/compliance?district=dist-py&from=2026-11-16&to=2026-11-22")
    assert comp["studentDays"] == 4 and comp["studentDaysWithinCap"] == 4 and comp["shareWithinCap"] == 1, comp
    call(base, "GET", "/v1/alerts?limit=10")
    call(base, "GET", "/v1/schools/nope/classes/c7/load?from=2026-11-17&to=2026-11-17", expect=404)

    # Disclosure notices: a daily one (`date`), a weekly one (`week` + `grade`), the
    # Notice again by id, and its public HTML page.
    notice = call(base, "POST", "/v1/schools/py1/notices", {"date": "2026-11-17"})
    assert notice["schoolId"] == "py1" and notice["date"] == "2026-11-17" and notice["version"] >= 1, notice
    titles = [a["title"] for c in notice["classes"] for d in c["days"] for a in d["assignments"]]
    assert titles == ["数学 homework"], titles  # p2 was withdrawn
    assert "s01" not in json.dumps(notice), notice  # never a student
    again = call(base, "GET", "/v1/schools/py1/notices/" + notice["noticeId"])
    assert again["noticeId"] == notice["noticeId"] and again["classes"] == notice["classes"], again
    weekly = call(base, "POST", "/v1/schools/py1/notices", {"week": "2026-W47", "grade": 7})
    assert weekly["week"] == "2026-W47" and len(weekly["classes"][0]["days"]) == 7, weekly
    call(base, "POST", "/v1/schools/py1/notices", {"week": "2026-W47"}, expect=400)
    with urllib.request.urlopen(base + notice["htmlUrl"], timeout=30) as res:
        page = res.read().decode()
        assert res.status == 200 and res.headers["Content-Type"].startswith("text/html"), res.headers
    assert 'lang="zh-CN"' in page and "数学 homework" in page and "<script" not in page, page[:500]


if __name__ == "__main__":
    main()
