import MarkdownIt from 'markdown-it';
import { convert } from 'html-to-text';
import { DomUtils, parseDocument } from 'htmlparser2';
import { DocumentFormatError, makeDocument, type DocumentFormat, type ParsedDocument } from './document';

/** Identity of a single-document upload (query parameters of the upload request). */
export interface SingleDocumentMeta {
  documentId: string;
  title?: string;
  entity?: string | null;
  maxChunkChars?: number;
}

const HTML_TO_TEXT = {
  wordwrap: false as const,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'nav', format: 'skip' },
  ],
};

function htmlToText(html: string): string {
  return convert(html, HTML_TO_TEXT);
}

const markdown = new MarkdownIt({ html: true, linkify: false });
type MdToken = ReturnType<typeof markdown.parse>[number];

/**
 * Markdown (CommonMark via `markdown-it`): one section per heading (title "Document — Heading"),
 * each section rendered to HTML by markdown-it and flattened by `html-to-text`. The document title
 * is `title`, else the first heading, else the document id.
 * @throws DocumentFormatError when the document has no text
 */
export function parseMarkdown(source: string, meta: SingleDocumentMeta): ParsedDocument {
  const env = {};
  const tokens = markdown.parse(source, env);
  const headingText = (i: number) => htmlToText(markdown.renderInline(tokens[i + 1]?.content ?? '')).trim();
  const firstHeading = tokens.findIndex((t) => t.type === 'heading_open');
  const docTitle =
    meta.title?.trim() || (firstHeading >= 0 ? headingText(firstHeading) : '') || meta.documentId;
  const sections: { title: string; text: string }[] = [];
  let heading: string | undefined;
  let body: MdToken[] = [];
  const flush = () => {
    if (!body.length) return;
    const text = htmlToText(markdown.renderer.render(body, markdown.options, env));
    if (text.trim()) {
      sections.push({
        title: heading && heading !== docTitle ? `${docTitle} — ${heading}` : docTitle,
        text,
      });
    }
    body = [];
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type === 'heading_open') {
      flush();
      heading = headingText(i);
      i += 2; // inline + heading_close
    } else {
      body.push(t);
    }
  }
  flush();
  return single('markdown', sections, docTitle, meta);
}

/**
 * HTML (parsed by `htmlparser2`, text by `html-to-text`; scripts, styles, images and nav skipped).
 * Title: `title`, else `<title>`, else the first `<h1>`, else the document id.
 * @throws DocumentFormatError when the document has no text
 */
export function parseHtml(source: string, meta: SingleDocumentMeta): ParsedDocument {
  const dom = parseDocument(source);
  const titleEl =
    DomUtils.findOne((e) => e.name === 'title', dom.children, true) ??
    DomUtils.findOne((e) => e.name === 'h1', dom.children, true);
  const docTitle =
    meta.title?.trim() || (titleEl ? DomUtils.textContent(titleEl).trim() : '') || meta.documentId;
  const text = htmlToText(source);
  return single('html', [{ title: docTitle, text }], docTitle, meta);
}

/**
 * Plain text (UTF-8). Title: `title`, else the first non-empty line (≤ 200 chars), else the id.
 * @throws DocumentFormatError when the document has no text
 */
export function parsePlainText(source: string, meta: SingleDocumentMeta): ParsedDocument {
  const firstLine =
    source
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? '';
  const docTitle = meta.title?.trim() || (firstLine.length <= 200 ? firstLine : '') || meta.documentId;
  return single('text', [{ title: docTitle, text: source }], docTitle, meta);
}

function single(
  format: DocumentFormat,
  sections: { title: string; text: string }[],
  title: string,
  meta: SingleDocumentMeta,
): ParsedDocument {
  const doc = makeDocument({
    externalId: meta.documentId,
    title,
    entity: meta.entity ?? null,
    format,
    sections,
    maxChunkChars: meta.maxChunkChars,
  });
  if (!doc.chunks.length) throw new DocumentFormatError('document has no text', undefined, 'body');
  return doc;
}
