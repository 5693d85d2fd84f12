print("crm-server")
