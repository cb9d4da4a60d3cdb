"""Health data of a specific person: diagnoses, ICD codes, medication, therapy and mental health, test results, and
patient or record numbers. A topic word needs its person (records.py); an ICD code next to its label, a medical record
or NHS number, or a prescription with its dose flag on their own."""

from __future__ import annotations

import re

from chief_of_staff.sensitive.records import first_person, tied_to_person, topic

_MEDICATIONS = (  # the most prescribed drugs in the US and UK, by generic name, and common brand names
    r"sertraline|fluoxetine|citalopram|escitalopram|paroxetine|venlafaxine|duloxetine|mirtazapine|bupropion|trazodone"
    r"|amitriptyline|lithium|quetiapine|olanzapine|risperidone|aripiprazole|lamotrigine|valproate|diazepam|lorazepam"
    r"|alprazolam|clonazepam|zolpidem|methylphenidate|adderall|ritalin|prozac|zoloft|xanax|valium|metformin|insulin"
    r"|ozempic|semaglutide|wegovy|mounjaro|lisinopril|amlodipine|ramipril|losartan|atorvastatin|simvastatin"
    r"|levothyroxine|omeprazole|lansoprazole|warfarin|apixaban|rivaroxaban|clopidogrel|salbutamol|albuterol"
    r"|prednisolone|prednisone|gabapentin|pregabalin|tramadol|codeine|oxycodone|morphine|methadone|buprenorphine"
    r"|naltrexone|truvada|prep|antiretrovirals?|antibiotics|amoxicillin|chemotherapy|epipen"
)
_HEALTH_WORDS = (
    r"diagnos[a-z]*|prescri(?:ption|ptions|bed)|medications?|medical (?:history|records?|conditions?|notes|reports?"
    r"|leave|certificate)|patient (?:records?|files?|notes|chart)|health (?:records?|conditions?|issues?|problems?)"
    r"|treatment (?:plans?|for)|hiv|mental health|depression|depressed|anxiety|panic attacks?|bipolar"
    r"|schizophreni[a-z]*"
    r"|ptsd|ocd|eating disorder|anorexia|bulimia|self[- ]harm|suicid[a-z]*|autism|autistic|adhd|dementia"
    r"|alzheimer'?s|pregnan(?:t|cy)|miscarriage|ivf|allerg(?:y|ies|ic)|mri|ct scan|x-rays?|blood (?:tests?|pressure"
    r"|results|sugar|work)|lab results|scan results|test results|biopsy|cancer|tumou?r|chemo[a-z]*|diabet[a-z]*"
    r"|asthma|epilep[a-z]*|seizures?|stroke|heart (?:attack|condition|disease)|(?:had|has|having|needs?|after|from)"
    r" surgery|sick note|fit note|doctor'?s note|disabilit(?:y|ies)|therap(?:y|ist|ists)|counsell?(?:ing|or)"
    r"|psychiatri[a-z]*|psycholog(?:ist|ical)|session notes|intake notes|clinical notes|rehab|addiction|alcoholi[a-z]*"
    r"|overdose|relapse|hepatitis|covid|symptoms|dosage|\d+ ?mg|antidepressants?|injur(?:y|ies|ed)"
    r"|hospitali[sz]ed|dental (?:records?|history)|multiple sclerosis|parkinson'?s|arthritis|crohn'?s|colitis"
    r"|wheelchair|coeliac|celiac|anaphyla[a-z]*|epipen|sober|sobriety|drinking|herniated|slipped disc|sciatica"
    r"|paraly[sz]ed|amputat[a-z]*|blind|deaf|hearing aid|dyslexi[a-z]*|long covid|chronic (?:pain|fatigue)"
    r"|fibromyalgia|migraines?|lupus|kidney (?:disease|failure)|dialysis|transplant|stroke|concussion|broken (?:leg"
    r"|arm|wrist|ankle)|stress leave|burnout|grief counselling|bereavement|" + _MEDICATIONS
)
_SUBJECT, _MINE = topic(_HEALTH_WORDS), first_person(_HEALTH_WORDS)
_CONTENT = re.compile(
    r"\bMRN\b\s*(?:#|no\.?|number|:)?\s*[A-Z]{0,3}\d{4,}|\bNHS (?:no|number)\.?\s*:?\s*\d{3}[\s-]?\d{3}[\s-]?\d{4}"
    r"|\b(?:ICD(?:-?1[01])?(?:-CM)?|diagnos[a-z]* codes?|dx(?: codes?)?)\b[^.\n]{0,25}?"
    r"\b[A-TV-Z]\d{2}(?:\.\d{1,4}[A-Z]?)?\b"
    r"|\b[A-TV-Z]\d{2}\.\d{1,4}\b[^.\n]{0,40}\b[A-TV-Z]\d{2}\.\d{1,4}\b"  # two ICD-10 codes together
    r"|\b(?:patient|medical record|health record|chart|case|client|member|record)\s*(?:id|no\.?|number|#|ref)\s*:?\s*"
    r"[A-Z]{0,4}-?\d{4,}"
    r"|\b(?:" + _MEDICATIONS + r")\s+\d+(?:\.\d+)?\s?(?:mg|mcg|ml|units)\b"
    r"|\b[a-z]{4,}(?:ine|ol|am|en|in|ide|one|pril|sartan|statin|azole|cycline|mycin|xacin|pam|lam)\s+\d+(?:\.\d+)?\s?"
    r"(?:mg|mcg)\b"  # a drug with its dose: "naproxen 500mg"
    r"|\bdiagnosed with\b|\b(?:she|he)(?:'s| is) expecting\b(?! (?:a|an|the|delivery|payment|\d))",
    re.IGNORECASE,
)


def find_health_record(text: str) -> bool:
    return bool(_CONTENT.search(text)) or tied_to_person(text, _SUBJECT, _MINE)
