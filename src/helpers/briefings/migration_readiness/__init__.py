"""briefings/migration_readiness"""
