"""The write-off invariants `check_ledger` covers (registered from apps.ready)."""

from accounts.ledger_checks import register_check

CHECKS = [
    (
        "write_off_lines_match",
        """SELECT 'WriteOff ' || w.id, 'amount ' || w.amount || ' recovered ' || w.recovered
                  || ' but lines ' || COALESCE(l.a, 0) || ' / ' || COALESCE(l.r, 0)
                  || ', FTs ' || COALESCE(l.f, 0)
           FROM delinquency_writeoff w
           LEFT JOIN (SELECT line.write_off_id, SUM(line.amount) a, SUM(line.recovered) r,
                             SUM(ft.current_amount) f
                      FROM delinquency_writeoffline line
                      JOIN accounts_financialtransaction ft ON ft.id = line.ft_id
                      GROUP BY line.write_off_id) l ON l.write_off_id = w.id
           WHERE ROUND(w.amount - COALESCE(l.a, 0), 2) <> 0
              OR ROUND(w.recovered - COALESCE(l.r, 0), 2) <> 0
              OR ROUND(w.amount + COALESCE(l.f, 0), 2) <> 0""",
        "a write-off's amount and recovery are its lines', and its FTs credit that amount",
    ),
    (
        "write_off_recovered_is_live_recoveries",
        """SELECT 'WriteOff ' || w.id, 'recovered ' || w.recovered || ' but live recoveries '
                  || COALESCE(r.s, 0)
           FROM delinquency_writeoff w
           LEFT JOIN (SELECT write_off_id, SUM(amount) s FROM delinquency_writeoffrecovery
                      WHERE cancelled_at IS NULL GROUP BY write_off_id) r
                  ON r.write_off_id = w.id
           WHERE ROUND(w.recovered - COALESCE(r.s, 0), 2) <> 0""",
        "a write-off's recovered amount is the sum of its live recoveries",
    ),
]


def ledger_checks_register() -> None:
    for name, sql, description in CHECKS:
        register_check(name, sql, description)
