"""Load the backend-neutral test dataset into the Salesforce stand-in's records."""

from __future__ import annotations

from datetime import datetime

from tests.standins.salesforce_org import Org, message_key, sf_time


def load(
    org: Org, dataset: dict, business_case_fields: dict, usernames: dict, rating_field: str, key_field: str
) -> dict[str, str]:
    """Users, accounts, contacts, opportunities with roles and emails; returns deal key → Opportunity id."""
    for api_name in business_case_fields.values():
        org.schema["Opportunity"].add(api_name)  # the admin created these custom fields
    users = {}
    for deal in dataset["deals"]:
        names = {deal["owner"].lower(): deal.get("owner_name") or deal["owner"]}
        for email in [deal["owner"].lower(), *(e.lower() for e in deal.get("team", []))]:
            if email not in users:
                users[email] = org.insert(
                    "User",
                    {
                        "Username": usernames.get(email, email),
                        "Email": email,
                        "Name": names.get(email, email),
                    },
                )
    accounts = {
        a["key"]: org.insert("Account", {"Name": a["name"], "Website": a.get("domain", "")})
        for a in dataset["accounts"]
    }
    contacts = {
        c["key"]: org.insert(
            "Contact",
            {
                "Name": c["name"],
                "Email": c["email"],
                "Title": c.get("title", ""),
                "AccountId": accounts[c["account"]],
            },
        )
        for c in dataset["contacts"]
    }
    stages = {s["MasterLabel"]: s for s in org.stages()}
    ids = {}
    for deal in dataset["deals"]:
        stage = stages[deal["stage"]]
        fields = {
            "Name": deal["name"],
            "StageName": stage["ApiName"],
            "IsClosed": stage["IsClosed"],
            "IsWon": stage["IsWon"],
            "Probability": stage["DefaultProbability"],
            "Amount": float(deal["amount"]) if deal.get("amount") else None,
            "CloseDate": deal.get("close_date"),
            "NextStep": deal.get("next_step") or None,
            "OwnerId": users[deal["owner"].lower()],
            "AccountId": accounts[deal["account"]],
        }
        if "CurrencyIsoCode" in org.schema["Opportunity"]:
            fields["CurrencyIsoCode"] = deal.get("currency", "USD")
        fields.update(
            {api: deal.get("business_case", {}).get(name) for name, api in business_case_fields.items()}
        )
        ids[deal["key"]] = opp = org.insert("Opportunity", fields)
        for role in deal.get("contacts", []):
            org.insert(
                "OpportunityContactRole",
                {
                    "OpportunityId": opp,
                    "ContactId": contacts[role["contact"]],
                    "Role": role.get("role", ""),
                    "IsPrimary": role.get("primary", False),
                },
            )
        for email in deal.get("emails", []):
            org.insert("EmailMessage", _email(opp, email, rating_field, key_field))
    return ids


def _email(opportunity_id: str, spec: dict, rating_field: str, key_field: str) -> dict:
    sent_at = (
        spec["sent_at"] if isinstance(spec["sent_at"], datetime) else datetime.fromisoformat(spec["sent_at"])
    )
    return {
        "RelatedToId": opportunity_id,
        "Status": "3",
        "MessageIdentifier": spec["message_id"],
        "Subject": spec.get("subject", ""),
        "TextBody": spec.get("body", ""),
        "FromAddress": spec["from"],
        "ToAddress": "; ".join(spec.get("to", [])),
        "CcAddress": "; ".join(spec.get("cc", [])),
        "MessageDate": sf_time(sent_at),
        "Incoming": spec["direction"] == "inbound",
        rating_field: spec.get("rating"),
        key_field: message_key(opportunity_id, spec["message_id"]),
    }
