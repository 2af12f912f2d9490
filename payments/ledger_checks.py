"""The payment invariants `manage.py check_ledger` verifies alongside the ledger's own
(registered from `PaymentsConfig.ready`)."""

from accounts.ledger_checks import register_check

CHECKS = [
    (
        "payment_event_balances",
        """SELECT 'PaymentEvent ' || e.id,
                  'tenders ' || COALESCE(t.s, 0) || ' but payments ' || COALESCE(p.s, 0)
           FROM payments_paymentevent e
           LEFT JOIN (SELECT t.event_id,
                             SUM(CASE WHEN t.status = 'valid' THEN t.amount
                                      ELSE COALESCE(r.amount, 0) END) s
                      FROM payments_tender t
                      LEFT JOIN accounts_adjustment r ON r.id = t.receivable_adjustment_id
                      GROUP BY t.event_id) t ON t.event_id = e.id
           LEFT JOIN (SELECT event_id,
                             SUM(CASE WHEN status <> 'cancelled' THEN amount ELSE 0 END) s,
                             SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) cancelled
                      FROM payments_payment GROUP BY event_id) p ON p.event_id = e.id
           WHERE ROUND(COALESCE(t.s, 0) - COALESCE(p.s, 0), 2) < 0
              OR (ROUND(COALESCE(t.s, 0) - COALESCE(p.s, 0), 2) > 0
                  AND COALESCE(p.cancelled, 0) = 0)""",
        # Cash Check: a cashed check returned unpaid counts as the charge to its payor
        # (`Tender.receivable_adjustment`) that stands for the cash handed out.
        "valid tenders (and returned cashed checks' charges to the payor) total live "
        "payments (less only while a cancelled payment awaits a new one)",
    ),
    (
        "posted_payment_segments_total",
        """SELECT 'Payment ' || p.id, 'amount ' || p.amount || ' but segments '
                  || COALESCE(s.s, 0)
           FROM payments_payment p
           LEFT JOIN (SELECT payment_id, SUM(amount) s FROM payments_paysegment
                      GROUP BY payment_id) s ON s.payment_id = p.id
           WHERE p.frozen_at IS NOT NULL AND ROUND(p.amount - COALESCE(s.s, 0), 2) <> 0""",
        "a frozen (or frozen then cancelled) payment's pay segments add up to it",
    ),
    (
        "pay_segment_ft_matches",
        """SELECT 'PaySegment ' || s.id,
                  CASE WHEN ft.id IS NULL THEN 'frozen payment but no FT'
                       ELSE 'FT ' || ft.id || ' of ' || ft.current_amount || ' on SA '
                            || ft.sa_id || ' for ' || s.amount || ' on SA ' || s.sa_id END
           FROM payments_paysegment s
           JOIN payments_payment p ON p.id = s.payment_id
           LEFT JOIN accounts_financialtransaction ft ON ft.id = s.ft_id
           WHERE (p.frozen_at IS NOT NULL AND ft.id IS NULL)
              OR (ft.id IS NOT NULL AND (ROUND(ft.current_amount + s.amount, 2) <> 0
                                         OR ft.sa_id <> s.sa_id
                                         OR ft.kind <> 'pay_segment'))""",
        "each posted pay segment has its pay-segment FT: same SA, amount credited",
    ),
    (
        "cancelled_payment_reversed",
        """SELECT 'PaySegment ' || s.id, 'payment ' || p.id || ' is ' || p.status
                  || CASE WHEN s.cancel_ft_id IS NULL THEN ' but not reversed'
                          ELSE ' but reversed by FT ' || s.cancel_ft_id END
           FROM payments_paysegment s
           JOIN payments_payment p ON p.id = s.payment_id
           LEFT JOIN accounts_financialtransaction c ON c.id = s.cancel_ft_id
           WHERE s.ft_id IS NOT NULL
             AND ((p.status = 'cancelled' AND (c.id IS NULL OR c.cancels_id <> s.ft_id))
                  OR (p.status <> 'cancelled' AND s.cancel_ft_id IS NOT NULL))""",
        "a cancelled payment's FTs are each reversed; a live payment's are not",
    ),
    (
        "pay_ft_has_segment",
        """SELECT 'FT ' || ft.id, 'a pay-segment FT without a pay segment'
           FROM accounts_financialtransaction ft
           LEFT JOIN payments_paysegment s ON s.ft_id = ft.id
           WHERE ft.kind = 'pay_segment' AND s.id IS NULL""",
        "every pay-segment FT belongs to a pay segment",
    ),
    (
        "tender_control_balanced_figures",
        """SELECT 'TenderControl ' || c.id,
                  'balanced at ' || c.expected_count || ' tenders of ' || c.expected_total
                  || ' but holds ' || (COALESCE(t.n, 0) + COALESCE(a.n, 0)) || ' of '
                  || (COALESCE(t.s, 0) - COALESCE(a.s, 0)) || ' (valid tenders + adjustments)'
           FROM payments_tendercontrol c
           LEFT JOIN (SELECT tender_control_id, COUNT(*) n, SUM(amount) s FROM payments_tender
                      WHERE status = 'valid' GROUP BY tender_control_id) t
                  ON t.tender_control_id = c.id
           LEFT JOIN (SELECT tender_control_id, COUNT(*) n, SUM(amount) s
                      FROM payments_controladjustment GROUP BY tender_control_id) a
                  ON a.tender_control_id = c.id
           WHERE c.status = 'balanced'
             AND (c.expected_count <> COALESCE(t.n, 0) + COALESCE(a.n, 0)
                  OR ROUND(c.expected_total - (COALESCE(t.s, 0) - COALESCE(a.s, 0)), 2) <> 0)""",
        "a balanced tender control's figures equal its valid tenders plus its adjustments",
    ),
    (
        "deposit_control_balanced_figures",
        """SELECT 'DepositControl ' || d.id,
                  'balanced at ' || d.expected_count || ' tenders of ' || d.expected_total
                  || ' but its tender controls hold ' || COALESCE(SUM(c.expected_count), 0)
                  || ' of ' || COALESCE(SUM(c.expected_total), 0)
           FROM payments_depositcontrol d
           LEFT JOIN payments_tendercontrol c ON c.deposit_control_id = d.id
           WHERE d.status = 'balanced'
           GROUP BY d.id, d.expected_count, d.expected_total
           HAVING d.expected_count <> COALESCE(SUM(c.expected_count), 0)
               OR ROUND(d.expected_total - COALESCE(SUM(c.expected_total), 0), 2) <> 0
               OR SUM(CASE WHEN c.status <> 'balanced' THEN 1 ELSE 0 END) > 0""",
        "a balanced deposit's figures equal its balanced tender controls'",
    ),
    (
        "control_adjustment_matches_tender",
        """SELECT 'ControlAdjustment ' || a.id,
                  'tender ' || t.id || ' is ' || t.status || ' of ' || t.amount
                  || ' in tender control ' || COALESCE(CAST(t.tender_control_id AS TEXT), 'none')
                  || ', adjustment of ' || a.amount || ' to tender control '
                  || a.tender_control_id || ' (' || c.status || ')'
           FROM payments_controladjustment a
           JOIN payments_tender t ON t.id = a.tender_id
           JOIN payments_tendercontrol c ON c.id = a.tender_control_id
           WHERE t.status <> 'cancelled' OR a.amount <> -t.amount
              OR COALESCE(t.tender_control_id, 0) <> a.tender_control_id
              OR c.status <> 'balanced'""",
        "a control adjustment is a cancelled tender of its balanced control, amount negated",
    ),
    (
        "deferred_charge_posted_and_reversed",
        """SELECT 'DeferredCharge ' || d.id,
                  'payment ' || p.id || ' is ' || p.status || ', charge FT of '
                  || f.current_amount || ' for ' || d.amount
                  || CASE WHEN c.id IS NULL THEN ', not reversed' ELSE ', reversed' END
           FROM payments_deferredcharge d
           JOIN payments_payment p ON p.id = d.payment_id
           JOIN accounts_financialtransaction f ON f.id = d.charge_ft_id
           LEFT JOIN accounts_financialtransaction c ON c.cancels_id = d.charge_ft_id
           WHERE ROUND(f.current_amount - d.amount, 2) <> 0
              OR (p.status = 'cancelled' AND (c.id IS NULL OR d.cancelled_at IS NULL))
              OR (p.status <> 'cancelled' AND (c.id IS NOT NULL OR d.cancelled_at IS NOT NULL))""",
        "a deferred charge's FT charges its amount; it is reversed exactly when its payment "
        "is cancelled",
    ),
]


def ledger_checks_register() -> None:
    for name, sql, description in CHECKS:
        register_check(name, sql, description)
