import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "@xyflow/react/dist/style.css";
import "./styles.css";
import { takeTokenFromFragment } from "./api/auth";
import { App } from "./App";

// First of all, so that the token leaves the address bar before anything can read or log it.
takeTokenFromFragment();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
