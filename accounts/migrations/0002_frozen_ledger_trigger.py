"""On PostgreSQL, refuse UPDATE and DELETE of frozen FTs and their GL lines in the
database itself, so raw SQL and other clients can't rewrite history either."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION opencis_refuse_frozen_ft_change() RETURNS trigger AS $$
BEGIN
    IF OLD.is_frozen THEN
        RAISE EXCEPTION 'financial transaction % is frozen and cannot be %', OLD.id,
            lower(TG_OP) || 'd' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_ft_frozen_guard
    BEFORE UPDATE OR DELETE ON accounts_financialtransaction
    FOR EACH ROW EXECUTE FUNCTION opencis_refuse_frozen_ft_change();

CREATE OR REPLACE FUNCTION opencis_refuse_frozen_gl_change() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM accounts_financialtransaction
               WHERE id = OLD.ft_id AND is_frozen) THEN
        RAISE EXCEPTION 'GL line % belongs to frozen financial transaction % and cannot be %',
            OLD.id, OLD.ft_id, lower(TG_OP) || 'd'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_glline_frozen_guard
    BEFORE UPDATE OR DELETE ON accounts_glline
    FOR EACH ROW EXECUTE FUNCTION opencis_refuse_frozen_gl_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS accounts_glline_frozen_guard ON accounts_glline;
DROP TRIGGER IF EXISTS accounts_ft_frozen_guard ON accounts_financialtransaction;
DROP FUNCTION IF EXISTS opencis_refuse_frozen_gl_change();
DROP FUNCTION IF EXISTS opencis_refuse_frozen_ft_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
