/**
 * `GET /docs`: a self-contained page that renders /openapi.json (inline CSS and script; nothing is
 * downloaded from elsewhere at run time).
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edgerec API</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d2433; background: #f7f8fa; }
  header { background: #1d2433; color: #fff; padding: 1rem 2rem; }
  main { max-width: 60rem; margin: 0 auto; padding: 1rem 2rem 3rem; }
  section.op { background: #fff; border: 1px solid #dde1e8; border-radius: 6px; margin: 1rem 0; padding: .75rem 1rem; }
  .method { display: inline-block; min-width: 4.5rem; font-weight: 700; text-transform: uppercase; }
  .get { color: #1a7f37; } .post { color: #0550ae; } .put { color: #9a6700; } .delete { color: #cf222e; }
  code, pre { font-family: ui-monospace, monospace; font-size: 13px; }
  pre { background: #f2f4f7; padding: .5rem; overflow: auto; border-radius: 4px; max-height: 20rem; }
  table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid #eef0f3; }
  .scope { float: right; font-size: 12px; background: #eef0f3; padding: 0 .5rem; border-radius: 3px; }
  details summary { cursor: pointer; }
</style>
</head>
<body>
<header><h1 id="title">edgerec API</h1><p id="description"></p></header>
<main id="operations"><p>Loading /openapi.json…</p></main>
<script>
(async () => {
  const main = document.getElementById('operations');
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) node.append(c);
    return node;
  };
  try {
    const doc = await (await fetch('openapi.json')).json();
    document.getElementById('title').textContent = doc.info.title + ' ' + doc.info.version;
    document.getElementById('description').textContent = doc.info.description;
    main.textContent = '';
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const section = el('section', { class: 'op', id: method + ' ' + path });
        const head = el('h2', {}, el('span', { class: 'method ' + method }, method), ' ', el('code', {}, path));
        if (op['x-scope']) head.append(el('span', { class: 'scope' }, 'scope: ' + op['x-scope']));
        section.append(head, el('p', {}, op.summary + (op.description ? ' — ' + op.description : '')));
        if (op.parameters && op.parameters.length) {
          const table = el('table', {}, el('tr', {}, el('th', {}, 'parameter'), el('th', {}, 'in'), el('th', {}, 'schema')));
          for (const p of op.parameters) {
            table.append(el('tr', {}, el('td', {}, el('code', {}, p.name + (p.required ? ' *' : ''))), el('td', {}, p.in), el('td', {}, el('code', {}, JSON.stringify(p.schema)))));
          }
          section.append(table);
        }
        if (op.requestBody) {
          const schema = op.requestBody.content['application/json'].schema;
          section.append(el('details', {}, el('summary', {}, 'request body'), el('pre', {}, JSON.stringify(schema, null, 2))));
        }
        for (const [status, r] of Object.entries(op.responses)) {
          const content = r.content && Object.values(r.content)[0];
          const body = content ? el('pre', {}, JSON.stringify(content.schema, null, 2)) : '';
          section.append(el('details', {}, el('summary', {}, status + ' ' + r.description), body));
        }
        main.append(section);
      }
    }
  } catch (error) {
    main.textContent = 'Could not load openapi.json: ' + error;
  }
})();
</script>
</body>
</html>
`;
