"""briefings/regional_ranking"""
