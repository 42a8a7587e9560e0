// Reading an attributes section of block format 4 (layout in attr-columns.ts) that is not pure ASCII:
// rows rebuilt by AttrColumns and searched one by one (rare; correct first). Pure-ASCII sections,
// nearly all, are read from their bytes by block-reader-attrs.ts. Read side only.
import { AttrColumns } from './attr-columns.js';
import type { RowSearch } from './text-column.js';

export function readAttrSection(bytes: Buffer): RowSearch {
  return new TextAttrSection(bytes.toString('utf8'));
}

class TextAttrSection implements RowSearch {
  private readonly cols: AttrColumns;
  private lower?: string[];

  constructor(section: string) {
    this.cols = new AttrColumns(section);
  }

  text(i: number): string {
    return this.cols.text(i);
  }

  markRows(token: string, hit: Uint8Array): boolean {
    if (!this.cols.mayHold(token)) return true;
    if (!this.lower) {
      this.lower = new Array(hit.length);
      for (let i = 0; i < hit.length; i++) this.lower[i] = this.cols.text(i).toLowerCase();
    }
    for (let i = 0; i < hit.length; i++) if (this.lower[i].includes(token)) hit[i] = 1;
    return true;
  }
}
