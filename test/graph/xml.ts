/**
 * A strict XML well-formedness check for the SVG tests (no XML parser is installed): the prolog,
 * comments and a DOCTYPE are skipped as wholes; every tag must be well formed with quoted, unique
 * attributes; tags nest and close in order; one root element; character data and attribute values
 * hold only the five predefined entities or numeric character references, and no `<`. Returns the
 * text content of every element of the named kind (entities decoded), for "names every step".
 */
export function parseXml(text: string, collect = 'text'): { root: string; texts: string[] } {
  const name = '[A-Za-z_:][-A-Za-z0-9_:.]*';
  const stack: string[] = [];
  const texts: string[] = [];
  let root: string | undefined;
  let collecting: string[] | null = null;
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`not well-formed XML at offset ${i}: ${why}`);
  };
  const chars = (s: string) => {
    if (/[<]/.test(s)) fail('a raw < in character data');
    const amp = /&(?!(?:lt|gt|amp|quot|apos|#\d+|#x[0-9A-Fa-f]+);)/.exec(s);
    if (amp) fail(`a bare & in ${JSON.stringify(s.slice(amp.index, amp.index + 12))}`);
    return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9A-Fa-f]+);/g, (_, e: string) =>
      e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'amp' ? '&' : e === 'quot' ? '"' : e === 'apos' ? "'" : String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)),
    );
  };
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const data = text.slice(i, lt === -1 ? text.length : lt);
    const decoded = chars(data);
    if (stack.length === 0 && decoded.trim() !== '') fail('text outside the root element');
    if (collecting) collecting.push(decoded);
    if (lt === -1) break;
    i = lt;
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i);
      if (end === -1) fail('unterminated processing instruction');
      i = end + 2;
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end === -1) fail('unterminated comment');
      if (text.slice(i + 4, end).includes('--')) fail('-- inside a comment');
      i = end + 3;
    } else if (text.startsWith('<!DOCTYPE', i)) {
      if (root !== undefined) fail('DOCTYPE after the root');
      const end = text.indexOf('>', i);
      if (end === -1) fail('unterminated DOCTYPE');
      i = end + 1;
    } else if (text.startsWith('</', i)) {
      const m = new RegExp(`^</(${name})\\s*>`).exec(text.slice(i));
      if (!m) fail('malformed end tag');
      const open = stack.pop();
      if (open !== m![1]) fail(`</${m![1]}> closes <${open}>`);
      if (open === collect && collecting) {
        texts.push(collecting.join(''));
        collecting = null;
      }
      i += m![0].length;
    } else {
      const m = new RegExp(`^<(${name})((?:\\s+${name}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>`).exec(text.slice(i));
      if (!m) fail(`malformed start tag ${JSON.stringify(text.slice(i, i + 40))}`);
      const attrs = [...m![2]!.matchAll(new RegExp(`(${name})\\s*=\\s*(?:"([^"<]*)"|'([^'<]*)')`, 'g'))];
      const names = attrs.map((a) => a[1]);
      if (new Set(names).size !== names.length) fail(`duplicate attribute in <${m![1]}>`);
      for (const a of attrs) chars(a[2] ?? a[3] ?? '');
      if (stack.length === 0) {
        if (root !== undefined) fail('a second root element');
        root = m![1];
      }
      if (m![3] !== '/') {
        stack.push(m![1]!);
        if (m![1] === collect) collecting = [];
      }
      i += m![0].length;
    }
  }
  if (stack.length > 0) fail(`unclosed <${stack.join('> <')}>`);
  if (root === undefined) fail('no root element');
  return { root: root as string, texts };
}
