import { useCallback, useEffect, useState } from "react";
import { ApiError, api, getToken, type ServerInfo, setToken } from "./api";
import { Alert } from "./components/Alert";
import { HistoryPage, PaperPage, RunsPage, SearchPage } from "./pages";

type Route = { page: "search" } | { page: "paper"; id: string } | { page: "history" } | { page: "runs" };

/** Hash routes (#/paper/<id>, #/history, #/runs): the server serves one page, and links survive a reload. */
function routeOf(hash: string): Route {
  const [, page, ...rest] = hash.replace(/^#/, "").split("/");
  if (page === "paper" && rest.length) return { page: "paper", id: decodeURIComponent(rest.join("/")) };
  if (page === "history") return { page: "history" };
  if (page === "runs") return { page: "runs" };
  return { page: "search" };
}

export function App() {
  const [route, setRoute] = useState(routeOf(location.hash));
  const [info, setInfo] = useState<ServerInfo | null>(null);
  const [needsToken, setNeedsToken] = useState(false);
  const [error, setError] = useState("");
  useEffect(() => {
    const onHash = () => setRoute(routeOf(location.hash));
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  const connect = useCallback(
    () =>
      api.info().then(
        (i) => {
          setInfo(i);
          setNeedsToken(false);
        },
        (e: Error) => (e instanceof ApiError && e.status === 401 ? setNeedsToken(true) : setError(e.message)),
      ),
    [],
  );
  useEffect(() => {
    connect();
  }, [connect]);

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <nav className="top" aria-label="main">
        <a href="#/" className="brand">
          ideasteer
        </a>
        <a href="#/" aria-current={route.page === "search" ? "page" : undefined}>
          Search
        </a>
        <a href="#/history" aria-current={route.page === "history" ? "page" : undefined}>
          History
        </a>
        <a href="#/runs" aria-current={route.page === "runs" ? "page" : undefined}>
          Runs
        </a>
        {info && <span className="model">{info.model}</span>}
      </nav>
      <main id="main">
        {needsToken ? (
          <TokenForm onSaved={connect} />
        ) : error ? (
          <Alert message={error} />
        ) : !info ? (
          <p role="status">connecting…</p>
        ) : (
          <Page route={route} info={info} />
        )}
      </main>
    </>
  );
}

function Page({ route, info }: { route: Route; info: ServerInfo }) {
  const controls = info.controls.length ? info.controls : ["none" as const];
  if (route.page === "paper") return <PaperPage id={route.id} controls={controls} />;
  if (route.page === "history") return info.mounted.history ? <HistoryPage /> : <p>This server keeps no history.</p>;
  if (route.page === "runs") return info.mounted.runs ? <RunsPage /> : <p>This server shows no runs.</p>;
  return <SearchPage controls={controls} />;
}

/** A server bound beyond loopback asks for its token; it is kept in this browser only. */
function TokenForm({ onSaved }: { onSaved: () => void }) {
  const [token, setValue] = useState(getToken());
  return (
    <form
      className="token"
      onSubmit={(e) => {
        e.preventDefault();
        setToken(token.trim());
        onSaved();
      }}
    >
      <label>
        This server needs its access token{" "}
        <input type="password" value={token} onChange={(e) => setValue(e.target.value)} />
      </label>
      <button type="submit">Connect</button>
    </form>
  );
}
