import { type FormEvent, useEffect, useState } from "react";
import {
  api,
  type Control,
  DIMENSIONS,
  MATCH_CLOSE,
  MATCH_OPEN,
  type Paper,
  type RunSummary,
  type SavedIdea,
  type SearchHit,
} from "./api";
import { Alert } from "./components/Alert";
import { Compare } from "./components/Compare";
import { GeneratePanel } from "./components/GeneratePanel";
import { Rating } from "./components/IdeaCard";

/** Library search, and a form for a paper that is not in the library. */
export function SearchPage({ controls }: { controls: Control[] }) {
  const [q, setQ] = useState("");
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [error, setError] = useState("");
  const [own, setOwn] = useState<{ title: string; abstract: string } | null>(null);
  const search = (e: FormEvent) => {
    e.preventDefault();
    if (!q.trim()) return;
    api.search(q).then(
      (r) => {
        setHits(r.papers);
        setError("");
      },
      (err: Error) => setError(err.message),
    );
  };
  if (own) return <OwnPaper paper={own} controls={controls} onBack={() => setOwn(null)} />;
  return (
    <>
      <form className="search" onSubmit={search}>
        <label htmlFor="q">Search the library</label>
        <div className="row">
          <input
            id="q"
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder="e.g. diffusion language models"
          />
          <button type="submit">Search</button>
        </div>
      </form>
      {error && <Alert message={error} />}
      {hits && (
        <ul className="hits" aria-label="search results">
          {hits.length === 0 && <li>No papers match.</li>}
          {hits.map((h) => (
            <li key={h.id}>
              <a href={`#/paper/${encodeURIComponent(h.id)}`}>{h.title}</a>
              <span className="meta">{[h.venue, h.year].filter(Boolean).join(" ")}</span>
              <p className="snippet">
                <Marked text={h.snippet} />
              </p>
            </li>
          ))}
        </ul>
      )}
      <OwnPaperForm onSubmit={setOwn} />
    </>
  );
}

function OwnPaperForm({ onSubmit }: { onSubmit: (p: { title: string; abstract: string }) => void }) {
  const [title, setTitle] = useState("");
  const [abstract, setAbstract] = useState("");
  return (
    <details className="own-paper">
      <summary>Or paste a paper</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (title.trim() && abstract.trim()) onSubmit({ title: title.trim(), abstract: abstract.trim() });
        }}
      >
        <label>
          Title <input value={title} maxLength={1000} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label>
          Abstract{" "}
          <textarea value={abstract} maxLength={20000} rows={6} onChange={(e) => setAbstract(e.target.value)} />
        </label>
        <button type="submit">Use this paper</button>
      </form>
    </details>
  );
}

function OwnPaper({
  paper,
  controls,
  onBack,
}: {
  paper: { title: string; abstract: string };
  controls: Control[];
  onBack: () => void;
}) {
  return (
    <>
      <button type="button" className="link" onClick={onBack}>
        ← back to search
      </button>
      <PaperHeader title={paper.title} abstract={paper.abstract} />
      <GeneratePanel paper={paper} controls={controls} />
    </>
  );
}

/** A library paper, its nearest papers, and idea generation for it. */
export function PaperPage({ id, controls }: { id: string; controls: Control[] }) {
  const [data, setData] = useState<{ paper: Paper; similar: SearchHit[] } | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    setData(null);
    api.paper(id).then(setData, (e: Error) => setError(e.message));
  }, [id]);
  if (error) return <Alert message={error} />;
  if (!data) return <p role="status">loading…</p>;
  const { paper, similar } = data;
  const meta = [paper.venue, paper.year, paper.authors.slice(0, 4).join(", ")].filter(Boolean).join(" · ");
  return (
    <>
      <PaperHeader title={paper.title} abstract={paper.abstract} meta={meta} url={paper.url} />
      {similar.length > 0 && (
        <details className="similar">
          <summary>Nearest papers in the library</summary>
          <ul>
            {similar.map((s) => (
              <li key={s.id}>
                <a href={`#/paper/${encodeURIComponent(s.id)}`}>{s.title}</a>
              </li>
            ))}
          </ul>
        </details>
      )}
      <GeneratePanel key={paper.id} paper={{ id: paper.id }} controls={controls} />
    </>
  );
}

function PaperHeader({
  title,
  abstract,
  meta,
  url,
}: {
  title: string;
  abstract: string;
  meta?: string;
  url?: string | null;
}) {
  return (
    <header className="paper">
      <h2>{title}</h2>
      {meta && <p className="meta">{meta}</p>}
      {url && /^https?:\/\//.test(url) && (
        <a href={url} rel="noreferrer noopener" target="_blank">
          source
        </a>
      )}
      <details>
        <summary>Abstract</summary>
        <p className="abstract">{abstract}</p>
      </details>
    </header>
  );
}

/** The snippet with its matches marked, as text nodes (never HTML: paper text is untrusted). */
function Marked({ text }: { text: string }) {
  const parts = text.split(MATCH_OPEN);
  return (
    <>
      {parts.map((p, i) => {
        const [match, rest] = i === 0 ? ["", p] : (p.split(MATCH_CLOSE) as [string, string?]);
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one string have no other identity
          <span key={i}>
            {match && <mark>{match}</mark>}
            {rest ?? ""}
          </span>
        );
      })}
    </>
  );
}

/** Every saved idea: ratings, comparison, export. */
export function HistoryPage() {
  const [ideas, setIdeas] = useState<SavedIdea[] | null>(null);
  const [picked, setPicked] = useState<number[]>([]);
  const [error, setError] = useState("");
  useEffect(() => {
    api.history().then(
      (r) => setIdeas(r.ideas),
      (e: Error) => setError(e.message),
    );
  }, []);
  const download = (format: "md" | "json" | "bib") => {
    const ids = picked.length ? `&ids=${picked.join(",")}` : "";
    api.blobUrl(`/api/history/export?format=${format}${ids}`).then(
      (url) => {
        const a = document.createElement("a");
        a.href = url;
        a.download = `ideas.${format}`;
        a.click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      },
      (e: Error) => setError(e.message),
    );
  };
  if (error) return <Alert message={error} />;
  if (!ideas) return <p role="status">loading…</p>;
  const [a, b] = picked.map((id) => ideas.find((i) => i.id === id));
  return (
    <>
      <h2>Idea history</h2>
      <fieldset className="toolbar">
        <legend>Export {picked.length ? `${picked.length} selected` : "the newest 50"}</legend>
        <button type="button" onClick={() => download("md")}>
          Markdown
        </button>
        <button type="button" onClick={() => download("json")}>
          JSON
        </button>
        <button type="button" onClick={() => download("bib")}>
          BibTeX of related work
        </button>
      </fieldset>
      {a && b && <Compare a={a} b={b} onDone={() => setPicked([])} />}
      {ideas.length === 0 && <p>No ideas yet: open a paper and generate some.</p>}
      <ul className="history">
        {ideas.map((i) => (
          <li key={i.id} className="saved-idea">
            <label className="compare-pick">
              <input
                type="checkbox"
                checked={picked.includes(i.id)}
                onChange={(e) =>
                  setPicked((p) => (e.target.checked ? [...p, i.id].slice(-2) : p.filter((x) => x !== i.id)))
                }
              />
              <span className="visually-hidden">select idea {i.id}</span>
            </label>
            <div>
              <h3>{i.idea.title}</h3>
              <p className="meta">
                from{" "}
                {i.paper.id ? <a href={`#/paper/${encodeURIComponent(i.paper.id)}`}>{i.paper.title}</a> : i.paper.title}{" "}
                · {new Date(i.createdAt).toLocaleString()} · weights{" "}
                {DIMENSIONS.map((d) => i.weights[d].toFixed(2)).join("/")}
                {i.scores && ` · scores ${DIMENSIONS.map((d) => i.scores?.[d].toFixed(2)).join("/")}`}
              </p>
              <Rating id={i.id} initial={i.rating} />
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}

/** Training runs and their curves. */
export function RunsPage() {
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [open, setOpen] = useState<{ id: string; url: string } | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    api.runs().then(
      (r) => setRuns(r.runs),
      (e: Error) => setError(e.message),
    );
  }, []);
  const show = (id: string) =>
    api.blobUrl(`/api/runs/${encodeURIComponent(id)}/curves.svg`).then(
      (url) => setOpen({ id, url }),
      (e: Error) => setError(e.message),
    );
  if (error) return <Alert message={error} />;
  if (!runs) return <p role="status">loading…</p>;
  return (
    <>
      <h2>Training runs</h2>
      {runs.length === 0 && <p>No runs in this home yet (ideasteer train …).</p>}
      <ul className="runs">
        {runs.map((r) => (
          <li key={r.id}>
            <button type="button" className="link" onClick={() => show(r.id)} aria-expanded={open?.id === r.id}>
              {r.id}
            </button>
            <span className="meta">
              {r.stage} · updated {new Date(r.updated).toLocaleString()}
            </span>
            {open?.id === r.id && <img className="curves" src={open.url} alt={`training curves of ${r.id}`} />}
          </li>
        ))}
      </ul>
    </>
  );
}
