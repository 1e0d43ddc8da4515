"""briefings/municipality_scorecard"""
