"""A realistic demo set for the embedded CRM, dated relative to now so 'going dark' stays true."""

from __future__ import annotations

from datetime import datetime, timedelta

from addin_api.domain import utcnow

REP, REP2 = "rep@demo.example", "rep2@demo.example"
NAMES = {REP: "Riley Rep", REP2: "Sam Seller"}

ACCOUNTS = [
    ("northwind", "Northwind Logistics", "northwind.example"),
    ("contoso", "Contoso Health", "contoso.example"),
    ("fabrikam", "Fabrikam Manufacturing", "fabrikam.example"),
    ("tailspin", "Tailspin Travel", "tailspin.example"),
]
CONTACTS = [  # key, account, name, title
    ("nadia", "northwind", "Nadia Patel", "VP Operations"),
    ("leo", "northwind", "Leo Brandt", "IT Director"),
    ("grace", "northwind", "Grace Okafor", "CFO"),
    ("omar", "contoso", "Omar Haddad", "Chief Medical Officer"),
    ("julia", "contoso", "Julia Weiss", "Head of Procurement"),
    ("ken", "contoso", "Ken Sato", "Security Lead"),
    ("maria", "fabrikam", "Maria Rossi", "Plant Manager"),
    ("tom", "fabrikam", "Tom Becker", "COO"),
    ("ines", "fabrikam", "Ines Duarte", "Finance Controller"),
    ("paul", "tailspin", "Paul Martin", "CTO"),
    ("sofia", "tailspin", "Sofia Lind", "Head of Sales Ops"),
]
# key, account, name, stage, amount, currency, close in days, next step, owner, team, roles,
# inbound ages, outbound ages
DEALS = [
    (
        "nw-fleet",
        "northwind",
        "Northwind fleet visibility",
        "Technical fit",
        "184000",
        "USD",
        40,
        "Security questionnaire back by Friday",
        REP,
        [REP2],
        [("nadia", "Champion", True), ("leo", "Technical buyer", False), ("grace", "Economic buyer", False)],
        [2, 9, 16],
        [1, 8, 15],
    ),
    (
        "nw-analytics",
        "northwind",
        "Northwind analytics add-on",
        "Solution evaluation",
        "36000",
        "USD",
        75,
        "Demo for the analytics team",
        REP,
        [],
        [("leo", "Champion", True)],
        [34, 50],
        [5, 20, 33],
    ),
    (
        "contoso-clinics",
        "contoso",
        "Contoso clinic scheduling",
        "Business case approved",
        "420000",
        "EUR",
        21,
        "Procurement to confirm legal review slot",
        REP,
        [],
        [("omar", "Economic buyer", True), ("julia", "Procurement", False), ("ken", "Security", False)],
        [1, 4, 12],
        [2, 6],
    ),
    (
        "contoso-pilot",
        "contoso",
        "Contoso telehealth pilot",
        "Problem identified",
        "25000",
        "EUR",
        120,
        "Discovery call with Omar",
        REP2,
        [],
        [("omar", "Champion", True)],
        [3],
        [4],
    ),
    (
        "contoso-renewal",
        "contoso",
        "Contoso 2027 renewal",
        "Contract sent",
        "98000",
        "EUR",
        10,
        "Chase signature",
        REP,
        [],
        [("julia", "Economic buyer", True)],
        [38],
        [3, 10, 24, 37],
    ),
    (
        "fab-quality",
        "fabrikam",
        "Fabrikam quality inspection",
        "Solution evaluation",
        "150000",
        "USD",
        60,
        "Site visit in Lyon",
        REP,
        [],
        [("maria", "Champion", True), ("tom", "Economic buyer", False)],
        [6, 13],
        [5, 12],
    ),
    (
        "fab-erp",
        "fabrikam",
        "Fabrikam ERP connector",
        "Technical fit",
        "64000",
        "USD",
        45,
        "",
        REP,
        [],
        [("ines", "Finance approver", True)],
        [45, 60],
        [31, 44],
    ),
    (
        "fab-expansion",
        "fabrikam",
        "Fabrikam plant #2 expansion",
        "Problem identified",
        "210000",
        "USD",
        150,
        "Map stakeholders at plant #2",
        REP2,
        [REP],
        [("tom", "Economic buyer", True)],
        [8],
        [7],
    ),
    (
        "tail-crm",
        "tailspin",
        "Tailspin booking CRM sync",
        "Contract sent",
        "72000",
        "GBP",
        14,
        "Redlines from legal",
        REP,
        [],
        [("paul", "Economic buyer", True), ("sofia", "Champion", False)],
        [2, 5],
        [1, 3],
    ),
    (
        "tail-ai",
        "tailspin",
        "Tailspin AI itinerary assistant",
        "Solution evaluation",
        "130000",
        "GBP",
        90,
        "Send ROI model",
        REP2,
        [],
        [("paul", "Champion", True)],
        [19, 29],
        [18],
    ),
    (
        "tail-2025",
        "tailspin",
        "Tailspin 2025 licences",
        "Closed won",
        "54000",
        "GBP",
        -30,
        "",
        REP,
        [],
        [("sofia", "Economic buyer", True)],
        [40],
        [41],
    ),
    (
        "nw-legacy",
        "northwind",
        "Northwind legacy migration",
        "Closed lost",
        "80000",
        "USD",
        -60,
        "",
        REP,
        [],
        [("grace", "Economic buyer", True)],
        [90],
        [91],
    ),
]
CASES = {
    "nw-fleet": {
        "problem": "Dispatchers cannot see late trucks until customers call.",
        "root_cause": "Telematics data sits in three vendor portals.",
        "why_it_matters": "Late deliveries cost $2.1M in penalties last year.",
        "budget": "Approved in the FY27 operations budget",
        "compelling_event": "New retail contract starts in March",
        "risks": "IT bandwidth during the ERP upgrade",
    },
    "contoso-clinics": {
        "problem": "No-show rate of 18% across 40 clinics.",
        "root_cause": "Manual reminder calls.",
        "why_it_matters": "Each no-show is ~€160 of lost revenue.",
        "budget": "€450k capex line",
        "compelling_event": "Board review in January",
        "risks": "Data-protection review may slip",
    },
    "fab-quality": {
        "problem": "Defects found late at final inspection.",
        "why_it_matters": "Scrap is 4% of output.",
    },
}
SUBJECTS_IN = [
    "Re: next steps",
    "Question on pricing",
    "Re: security review",
    "Availability next week",
    "Re: proposal draft",
    "Feedback from the team",
    "Re: contract terms",
]
SUBJECTS_OUT = [
    "Follow-up from our call",
    "Proposal and timeline",
    "Agenda for Thursday",
    "Checking in",
    "Case study you asked for",
    "Updated quote",
]


# Buyer emails with their own words, by (deal, index of its inbound age): the northwind fleet deal reads
# well, then a polite negative ("love the product, but the budget was reallocated") raises its warning;
# the Contoso renewal's last word was a stall before it went dark.
INBOUND_BODIES = {
    ("nw-fleet", 0): "Hi Riley,\n\nLeo's team has most of the security questionnaire done; two answers need "
    "your input. Can we go through them on Thursday?\n\nNadia",
    ("nw-fleet", 1): "Riley,\n\nI love the product, but the budget was reallocated to the warehouse project "
    "and the rollout is on hold until next year.\n\nNadia",
    ("nw-fleet", 2): "Great workshop yesterday, the drivers were impressed with the live map. "
    "Send the pilot plan.\n\nNadia",
    ("contoso-renewal", 0): "Riley,\n\nThe renewal is on hold: the budget was frozen after the reorg and "
    "we are reviewing other vendors.\n\nJulia",
}


def demo_dataset(now: datetime | None = None) -> dict:
    """The demo accounts, contacts and deals, with email history dated back from `now`."""
    now = now or utcnow()
    accounts = [{"key": k, "name": n, "domain": dom} for k, n, dom in ACCOUNTS]
    domains = {k: dom for k, _, dom in ACCOUNTS}
    contacts = [
        {"key": k, "account": a, "email": f"{k}@{domains[a]}", "name": n, "title": t}
        for k, a, n, t in CONTACTS
    ]
    emails_of = {c["key"]: c["email"] for c in contacts}
    deals = []
    for key, acct, name, stage, amount, cur, close, step, owner, team, roles, inbound, outbound in DEALS:
        buyer = emails_of[roles[0][0]]
        emails = [_email(key, "in", i, age, buyer, owner, now) for i, age in enumerate(inbound)]
        emails += [_email(key, "out", i, age, owner, buyer, now) for i, age in enumerate(outbound)]
        deals.append(
            {
                "key": key,
                "account": acct,
                "name": name,
                "stage": stage,
                "amount": amount,
                "currency": cur,
                "close_date": (now + timedelta(days=close)).date().isoformat(),
                "next_step": step,
                "owner": owner,
                "owner_name": NAMES[owner],
                "team": team,
                "business_case": CASES.get(key, {}),
                "contacts": [{"contact": c, "role": r, "primary": p} for c, r, p in roles],
                "emails": emails,
            }
        )
    return {"accounts": accounts, "contacts": contacts, "deals": deals}


def _email(deal_key: str, direction: str, i: int, age_days: int, sender: str, to: str, now: datetime) -> dict:
    subjects = SUBJECTS_IN if direction == "in" else SUBJECTS_OUT
    return {
        "message_id": f"<{deal_key}.{direction}{i}@mail.demo.example>",
        "subject": subjects[(i + len(deal_key)) % len(subjects)],
        "from": sender,
        "to": [to],
        "cc": [],
        "sent_at": (now - timedelta(days=age_days, hours=i + 1)).isoformat(),
        "direction": "inbound" if direction == "in" else "outbound",
        "rating": None,
        "body": INBOUND_BODIES.get((deal_key, i), "Thanks — see my notes below.")
        if direction == "in"
        else "Following up on our conversation.",
    }
