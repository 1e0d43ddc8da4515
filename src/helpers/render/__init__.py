"""Rendering stage of the pipeline, one module per step (papermill/nbconvert style).

- :mod:`~helpers.render.execute` runs a notebook with parameters (papermill; nbclient on a
  batch worker's warm kernel);
- :mod:`~helpers.render.html` converts the executed notebook to HTML (nbconvert, own template);
- :mod:`~helpers.render.pdf` prints that HTML to an A4 PDF (one persistent Chromium and tab);
- :mod:`~helpers.render.excel` writes the notebook's tables to an ``.xlsx`` workbook;
- :mod:`~helpers.render.publish` moves every output into place atomically;
- :mod:`~helpers.render.catalog` keeps ``output/manifest.json`` and ``output/index.html``;
- :mod:`~helpers.render.pipeline` chains them for one briefing.

Nothing is imported here: nbconvert, papermill and Playwright are slow to import, and the catalog
or publishing helpers should stay cheap to use on their own.
"""
