"""briefings"""
