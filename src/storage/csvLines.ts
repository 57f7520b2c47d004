/**
 * The 1-based line number of every data row of CSV bytes, in the order parseCsv reads them:
 * the header (when there is one) is line 1, blank lines are counted but hold no row. Read again
 * only when a message must name a row's line.
 */
export function rowLineNumbers(buf: Buffer, hasHeader: boolean): Int32Array {
  const lines: number[] = [];
  let lineNo = 0;
  let p = 0;
  if (hasHeader) {
    const nl = buf.indexOf(10);
    p = nl < 0 ? buf.length : nl + 1;
    lineNo = 1;
  }
  while (p < buf.length) {
    const nl = buf.indexOf(10, p);
    const end = nl < 0 ? buf.length : nl;
    lineNo++;
    if (end > p && !(end - p === 1 && buf[p] === 13)) lines.push(lineNo);
    p = end + 1;
  }
  return Int32Array.from(lines);
}
