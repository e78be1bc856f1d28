"""The bundled demo news site and its loopback server (make crawl). Pure: no Scrapy or Twisted."""
