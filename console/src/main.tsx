import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "@xyflow/react/dist/style.css";
import "./styles.css";
import { takeTokenFromFragment } from "./api/auth";
import { App } from "./App";
import { startLayout } from "./graph/layout";
import { preloadView } from "./preload";

// First of all, so that the token leaves the address bar before anything can read or log it.
takeTokenFromFragment();
preloadView(window.location);
// The layout worker's script (ELK's, 1.4 MB) loads while a graph page's query is on its way.
startLayout();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
