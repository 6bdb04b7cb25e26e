"""HubSpot adapter: date-versioned CRM APIs (objects, associations, pipelines, owners, properties)."""
