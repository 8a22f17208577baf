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
    # A plural message is keyed by its singular; its value lists every plural form
    # (one string stands for all of them).
    key = message.id[0] if isinstance(message.id, tuple) else message.id
    if key and key in mapping:
        value = mapping[key]
        if isinstance(message.id, tuple):
            forms = catalogue.num_plurals
            value = tuple(value) if isinstance(value, list) else (value,) * forms
        message.string = value
        message.flags.discard("fuzzy")
catalogue.fuzzy = False
with open(path, "wb") as handle:
    write_po(handle, catalogue, width=100)
# Babel leaves out the Language and Plural-Forms headers that gettext tools expect.
PLURALS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "ar": "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5;",
    "en": "nplurals=2; plural=(n != 1);",
}
with open(path, encoding="utf-8") as handle:
    text = handle.read()
extra = ""
if '"Language:' not in text:
    extra += f'"Language: {language}\\n"\n'
if '"Plural-Forms:' not in text:
    extra += f'"Plural-Forms: {PLURALS[language]}\\n"\n'
if extra:
    text = text.replace('"MIME-Version: 1.0\\n"\n', extra + '"MIME-Version: 1.0\\n"\n', 1)
with open(path, "w", encoding="utf-8") as handle:
    handle.write(text)
missing = [m.id for m in catalogue if m.id and not m.string]
print(f"{path}: {len(missing)} missing", missing[:5])
