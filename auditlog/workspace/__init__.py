"""The auditors' workspace: pages, filters, exports, analyses and the dashboard.

It reads the audit log, and the registry and the inquiries only through their selectors
(`supportmeasures.selectors`, `inquiries.selectors`): see docs/architecture.md.
"""
