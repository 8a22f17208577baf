"""Referral proofs' uploaded file names encrypted like intake's (they may carry a patient's
name): the column becomes ciphertext and the names already stored are encrypted in place."""

from django.db import migrations

import himaya.registry.fields
from himaya.registry import encryption

CONTEXT = "assistance.referralproof.original_name"  # what EncryptedTextField binds in


def encrypt_existing(apps, schema_editor):  # noqa: ANN001, ANN201, ARG001
    # Raw SQL: the model would try to decrypt the plaintext already there.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, original_name FROM assistance_referralproof WHERE original_name <> ''")
        rows = cursor.fetchall()
        for pk, name in rows:
            cursor.execute("UPDATE assistance_referralproof SET original_name = %s WHERE id = %s",
                           [encryption.encrypt(name, context=CONTEXT), pk])


def decrypt_existing(apps, schema_editor):  # noqa: ANN001, ANN201, ARG001
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, original_name FROM assistance_referralproof WHERE original_name <> ''")
        for pk, value in cursor.fetchall():
            # Back to a 120-character column: the name is cut if it must be.
            cursor.execute("UPDATE assistance_referralproof SET original_name = %s WHERE id = %s",
                           [encryption.decrypt(value, context=CONTEXT)[:120], pk])


class Migration(migrations.Migration):
    dependencies = [("assistance", "0003_referral_proof_files")]

    operations = [
        migrations.AlterField(
            model_name="referralproof", name="original_name",
            field=himaya.registry.fields.EncryptedTextField(verbose_name="file name"),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
