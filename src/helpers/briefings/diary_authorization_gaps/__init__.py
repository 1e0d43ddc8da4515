"""briefings/diary_authorization_gaps"""
