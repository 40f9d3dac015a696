#!/bin/sh
# Regenerates src/test/resources/dev/nsm/parsers/tls/ja4-foxio.tsv: the JA4 fingerprints (JA4, JA4_r,
# JA4_o, JA4_ro) of every TCP ClientHello in the conformance corpus, computed independently by FoxIO's
# reference implementation (python/ja4.py of github.com/FoxIO-LLC/ja4, run over tshark 4.0).
#
#   usage: gen_ja4_expected.sh JA4_PYTHON_DIR CORPUS_DIR > ja4-foxio.tsv
#
# JA4_PYTHON_DIR is the python/ directory of a FoxIO-LLC/ja4 checkout (commit 0e54bc83 was used); it was
# checked first to reproduce FoxIO's own python/test/testdata/*.json for every one of its pcaps.
set -eu
ja4=$1
corpus=$2
printf 'case\tsrc\tsrcport\tdst\tdstport\tn\tja4\tja4_r\tja4_o\tja4_ro\n'
for dir in "$corpus"/*/; do
  name=$(basename "$dir")
  pcap=$(ls "$dir"capture.pcap "$dir"capture.pcapng 2>/dev/null | head -1) || continue
  [ -n "$pcap" ] || continue
  python3 "$ja4/ja4.py" "$pcap" -J 2>/dev/null | python3 -c '
import json, sys, re
name = sys.argv[1]
text = sys.stdin.read()
# ja4.py prints one JSON object per stream, back to back
dec = json.JSONDecoder()
i = 0
while True:
    m = re.compile(r"\{").search(text, i)
    if not m:
        break
    try:
        obj, i = dec.raw_decode(text, m.start())
    except ValueError:
        i = m.start() + 1
        continue
    for k, v in sorted(obj.items()):
        mm = re.fullmatch(r"JA4\.(\d+)", k)
        if not mm or not v.startswith("t"):
            continue
        n = mm.group(1)
        print("\t".join([name, obj["src"], obj["srcport"], obj["dst"], obj["dstport"], n, v,
                         obj.get("JA4_r." + n, ""), obj.get("JA4_o." + n, ""), obj.get("JA4_ro." + n, "")]))
' "$name"
done
