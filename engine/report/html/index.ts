export { renderReportHtml, renderDiffHtml, type HtmlInput } from './render.js';
export { renderRunDiffHtml } from './run-diff.js';
export { escapeHtml, html, Html, type HtmlValue } from './escape.js';
export { barChart, groupedBarChart, lineChart, noData, type Bar, type BarChartSpec, type GroupedBarChartSpec, type LineChartSpec, type LineSeries } from './svg.js';
