import type { Report } from '../../schemas/report.generated.js';
import { renderReportHtml, type HtmlInput } from '../html/index.js';
import { renderCsv } from './csv.js';
import { renderMarkdown } from './markdown.js';
import { renderTable } from './table.js';

export interface RenderInput {
  report: Report;
  /** Only the html reporter reads these; the CLI loads them only for it. */
  extras?: Omit<HtmlInput, 'report'>;
  /** The width terminal tables fit (the table reporter); unbounded when absent. */
  width?: number;
}

export interface Reporter {
  /** Needs transcripts and diffs loaded (expensive on big runs). */
  needsExtras: boolean;
  render(input: RenderInput): string;
}

/** The reporter registry: adding a format is one file and one line here. */
export const REPORTERS: Record<string, Reporter> = {
  table: { needsExtras: false, render: ({ report, width }) => `${renderTable(report, { width })}\n` },
  markdown: { needsExtras: false, render: ({ report }) => renderMarkdown(report) },
  csv: { needsExtras: false, render: ({ report }) => renderCsv(report) },
  json: { needsExtras: false, render: ({ report }) => `${JSON.stringify(report, null, 2)}\n` },
  html: {
    needsExtras: true,
    render: ({ report, extras }) => renderReportHtml({ report, transcripts: extras?.transcripts ?? [], diffs: extras?.diffs ?? [], title: extras?.title, steps: extras?.steps }),
  },
};
