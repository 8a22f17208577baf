"""Fill a catalogue's msgstr from a JSON mapping {msgid: translation} (developer tool).

Usage: python scripts/fill_po.py himaya/<app>/locale/<lang>/LC_MESSAGES/django.po mapping.json
"""

import json
import sys

from babel.messages.pofile import read_po, write_po

path, mapping_path = sys.argv[1], sys.argv[2]
language = path.split("/locale/")[1].split("/")[0]
with open(mapping_path, encoding="utf-8") as handle:
    mapping = json.load(handle)
with open(path, "rb") as handle:
    catalogue = read_po(handle, locale=language)
for message in catalogue:
    if message.id and message.id in mapping:
        message.string = mapping[message.id]
        message.flags.discard("fuzzy")
with open(path, "wb") as handle:
    write_po(handle, catalogue, width=100)
missing = [m.id for m in catalogue if m.id and not m.string]
print(f"{path}: {len(missing)} missing", missing[:5])
