DROP TABLE IF EXISTS confluence_folders;
