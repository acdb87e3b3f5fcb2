"""Stable codes with Swedish labels for classifying articles.

The codes are stored in files, the index and the database, so they never change;
labels may be reworded freely.
"""

TOPICS: dict[str, str] = {
    "risk_assessment": "Risk- och skyddsbedömning",
    "report_of_concern": "Orosanmälan",
    "lvu": "LVU och placering",
    "exit_ban": "Utreseförbud",
    "protected_housing": "Skyddat boende",
    "police_report": "Polisanmälan",
    "cooperation": "Samverkan",
    "legislation": "Lagstiftning",
    "school": "Skolans ansvar",
    "health_care": "Hälso- och sjukvård",
    "method": "Metodstöd",
    "other": "Annat",
    # Pages about the knowledge base itself; search leaves them out unless asked for by title.
    "help": "Om kunskapsbanken",
}

AUDIENCES: dict[str, str] = {
    "social_services": "Socialtjänst",
    "school": "Skola",
    "preschool": "Förskola",
    "health": "Hälso- och sjukvård",
    "police": "Polis",
    "prosecution": "Åklagare",
    "civil_society": "Civilsamhälle",
    "migration": "Migrationsverket",
    "other_authority": "Annan myndighet",
    "other": "Annat",
}

VISIBILITIES: dict[str, str] = {
    "public": "Publik",
    "internal": "Intern (endast för handläggare)",
}
