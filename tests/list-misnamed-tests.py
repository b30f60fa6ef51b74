#!/usr/bin/env python3
"""Lists the test methods ([Fact] or [Theory]) under a folder (default: the folder of this script)
whose name is not Subject_Condition_Outcome: exactly three parts joined by underscores, each in
PascalCase. Prints `file line name` for each and the count on stderr; exits 1 when there are any."""
import pathlib
import re
import sys

PART = re.compile(r'^[A-Z][A-Za-z0-9]*$')
ATTRIBUTE = re.compile(r'\[(Fact|Theory)\b')
METHOD = re.compile(r'\b(?:public|private|internal)\s+(?:static\s+)?(?:async\s+)?[\w<>\[\],?\s]+?\s+(\w+)\s*\(')

root = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).parent
misnamed = []
for path in sorted(root.rglob('*.cs')):
    if {'bin', 'obj'} & set(path.parts):
        continue
    pending = False
    for number, line in enumerate(path.read_text(encoding='utf-8').splitlines(), 1):
        if ATTRIBUTE.search(line):
            pending = True
        if pending and (match := METHOD.search(line)):
            pending = False
            parts = match.group(1).split('_')
            if not (len(parts) == 3 and all(PART.match(p) for p in parts)):
                misnamed.append(f'{path} {number} {match.group(1)}')
print('\n'.join(misnamed))
print(f'{len(misnamed)} test methods not named Subject_Condition_Outcome', file=sys.stderr)
sys.exit(1 if misnamed else 0)
