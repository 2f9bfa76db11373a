"""The HTML report's head: its Content-Security-Policy and its one stylesheet (no external asset of any kind)."""

from __future__ import annotations

#: no script, no fetch, no font, no frame; inline styles and data: images only.  (``frame-ancestors``
#: is not honoured in a meta tag, so it is left out rather than logged as an error by the browser.)
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

CSS = """
:root{--pass:#1a7f37;--fail:#c62828;--broken:#b26a00;--ok-bg:#e6f4ea;--bad-bg:#fdecea;--warn-bg:#fff4e0;
--line:#d0d7de;--muted:#57606a;--head:#f3f5f7;--mark:#ffe066}
*{box-sizing:border-box}
body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:0 16px 32px;
color:#1f2328;background:#fff}
h1{font-size:18px;margin:14px 0 6px}h2{font-size:16px;margin:22px 0 6px;border-bottom:1px solid var(--line)}
h3{font-size:14px;margin:14px 0 4px}
a{color:#0550ae;text-decoration:none}a:hover{text-decoration:underline}
nav{font-size:12px;margin:4px 0}nav a{margin-right:10px}
.verdict{border-radius:6px;padding:12px 16px;margin:12px 0;color:#fff}
.verdict .headline{font-size:20px;font-weight:700;margin:0}
.verdict .counts{margin:4px 0 0;font-size:13px}
.verdict.pass{background:var(--pass)}.verdict.fail{background:var(--fail)}.verdict.broken{background:var(--broken)}
.verdict .privacy{display:inline-block;margin-top:6px;padding:2px 8px;border-radius:4px;background:rgba(0,0,0,.25)}
.warning{background:var(--warn-bg);border:1px solid var(--broken);padding:6px 10px;border-radius:4px;margin:8px 0}
.facts{display:flex;flex-wrap:wrap;gap:12px}
.facts table{flex:1 1 320px}
table{border-collapse:collapse;margin:4px 0 8px;font-size:12px;max-width:100%}
th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
thead th{position:sticky;top:0;background:var(--head);z-index:1}
tbody th{background:var(--head);font-weight:600}
tr.group th{background:#e8ecf0;text-align:left}tr.step th{background:#f6f8fa;font-weight:500}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:var(--muted)}.small{font-size:11px}
.badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:11px;font-weight:600;white-space:nowrap;
border:1px solid var(--line);background:#f6f8fa}
.badge.violation,.badge.fail,.badge.failed,.badge.refusal{background:var(--bad-bg);color:var(--fail);border-color:var(--fail)}
.badge.allowed,.badge.consented,.badge.pass,.badge.ok{background:var(--ok-bg);color:var(--pass);border-color:var(--pass)}
.badge.observed,.badge.suspected,.badge.broken,.badge.incomplete,.badge.interrupted{background:var(--warn-bg);
color:var(--broken);border-color:var(--broken)}
.prominent td{font-weight:600;font-size:13px}
.differs{background:var(--warn-bg)}
table.matrix td.cell{text-align:center;min-width:44px}
table.matrix td.cell a{font-weight:600}
td.cell.violation{background:#f8c9c4}td.cell.allowed,td.cell.consented{background:#cfead6}
td.cell.observed{background:#e4e8ec}td.cell.suspected{background:#fbe7b5}
table.matrix thead th{font-weight:500;max-width:160px;overflow-wrap:anywhere}
.legend span{margin-right:8px}
.finding{border:1px solid var(--line);border-radius:6px;padding:6px 10px;margin:10px 0}
.finding h3{margin:2px 0 6px}
.chain .step{display:inline-block;padding:0 5px;border:1px solid var(--line);border-radius:3px;background:#f6f8fa;
font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.panes{display:grid;grid-template-columns:1fr 1fr;gap:8px}
@media (max-width:900px){.panes{grid-template-columns:1fr}}
.pane h4{margin:4px 0;font-size:12px}
pre,.payload{font:12px/1.35 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;white-space:pre-wrap;
word-break:break-all;overflow-wrap:anywhere;background:#f6f8fa;border:1px solid var(--line);border-radius:4px;
padding:6px;margin:0;max-height:420px;overflow:auto}
mark.canary{background:var(--mark);color:#000;outline:1px solid #c9a100;padding:0}
details>summary{cursor:pointer;color:#0550ae;margin:4px 0}
img.shot{max-width:240px;max-height:420px;border:1px solid var(--line);display:block;margin:4px 0}
.shots{display:flex;flex-wrap:wrap;gap:10px}
figure{margin:0}figcaption{font-size:11px;color:var(--muted)}
footer{margin-top:24px;font-size:11px;color:var(--muted)}
.tl,.finding{content-visibility:auto}.finding{contain-intrinsic-size:auto 320px}
table.timeline{table-layout:fixed;width:100%}
table.timeline th:nth-child(1){width:7em}table.timeline th:nth-child(2),table.timeline th:nth-child(3){width:4.5em}
table.timeline th:nth-child(9){width:5em}table.timeline th:nth-child(10){width:6em}
table.timeline td{overflow-wrap:anywhere}
@media print{body{margin:0;font-size:11px}.tl,.finding{content-visibility:visible}
thead th{position:static}pre,.payload{max-height:none;overflow:visible}
nav{display:none}.verdict{-webkit-print-color-adjust:exact;print-color-adjust:exact}
td.cell,.badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}tr,.finding{break-inside:avoid}}
"""
