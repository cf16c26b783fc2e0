import { InputError, type InputLocation } from "../../core/index.js";
import { titleId } from "../normalize-title.js";
import { newPaper, type Paper } from "../paper.js";
import { readLines } from "./line-reader.js";
import type { ParsedItem, Parser, ParserInput } from "./parsed-item.js";

/**
 * Paper-listing text, the format of ../shared/data/seed/hf-papers-listing.txt: a title line, a blank
 * line, an abstract line, repeated. Page chrome before the first paper ("new", "Subscribe", dates) is
 * skipped silently; after the first paper, a line that pairs with nothing (a title without an
 * abstract, an abstract without a title) is an error item naming its line.
 *
 * A line is an abstract when it has at least `minAbstractWords` words; a title is any shorter line of
 * at most `maxTitleChars` characters. Streams line by line.
 */
export type ListingParserOptions = {
  minAbstractWords: number; // abstracts on the real page have 100-300 words; the longest title there has 19
  maxTitleChars: number;
  maxLineBytes: number; // default when the input names none
};

export const DEFAULT_LISTING_OPTIONS: ListingParserOptions = {
  minAbstractWords: 30,
  maxTitleChars: 400,
  maxLineBytes: 16 * 1024 * 1024,
};

type Pending = { text: string; location: InputLocation };

export function createListingParser(options: ListingParserOptions = DEFAULT_LISTING_OPTIONS): Parser {
  const wordCount = (s: string): number => s.split(/\s+/).filter(Boolean).length;
  const isAbstract = (s: string): boolean => wordCount(s) >= options.minAbstractWords;
  const isTitle = (s: string): boolean => !isAbstract(s) && s.length <= options.maxTitleChars;

  return async function* parseListingFile(input: ParserInput): AsyncIterable<ParsedItem> {
    const { file } = input;
    const maxLineBytes = input.maxLineBytes ?? options.maxLineBytes;
    let title: Pending | null = null; // the last title-like line, waiting for its abstract
    let seenPaper = false;
    let record = 0;
    for await (const l of readLines({ file, stream: input.stream, maxLineBytes })) {
      const location: InputLocation = { file, line: l.line, byteOffset: l.byteOffset };
      if ("tooLong" in l) {
        yield {
          kind: "error",
          error: new InputError(
            location,
            `line is ${l.bytes} bytes, longer than the limit of ${maxLineBytes}; skipped`,
          ),
        };
        title = null;
        continue;
      }
      const text = l.text.replace(/\s+/g, " ").trim();
      if (!text) continue;
      if (isAbstract(text)) {
        if (title) {
          record++;
          yield { kind: "paper", paper: listingPaper(title.text, text), location: { ...title.location, record } };
          seenPaper = true;
        } else if (seenPaper) {
          yield {
            kind: "error",
            error: new InputError(location, "an abstract without a title line before it; skipped"),
          };
        }
        title = null;
      } else {
        if (title && seenPaper) {
          yield {
            kind: "error",
            error: new InputError(
              title.location,
              `a title without an abstract ("${title.text.slice(0, 80)}"); skipped`,
            ),
          };
        }
        title = isTitle(text) ? { text, location } : null;
      }
    }
    if (title && seenPaper) {
      yield {
        kind: "error",
        error: new InputError(
          title.location,
          `a title without an abstract at the end of the file ("${title.text.slice(0, 80)}")`,
        ),
      };
    }
  };
}

/**
 * @example
 * for await (const item of parseListing({ file: "../shared/data/seed/hf-papers-listing.txt" }))
 *   if (item.kind === "paper") console.log(item.paper.title); // Learning to Generate Research Idea with Dynamic Control ...
 */
export const parseListing: Parser = createListingParser();

function listingPaper(title: string, abstract: string): Paper {
  return newPaper({ id: titleId(title), title, abstract, source: "listing" });
}
