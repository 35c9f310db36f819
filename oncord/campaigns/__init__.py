"""Campaigns: one email or SMS to an audience chosen by appointment conditions.

`conditions` says what staff asked for (and in what words), `audience` turns it into the
contacts it reaches (counted in SQL, fixed when sending starts), `audience_form` reads the
builder's form fields.
"""
