// The console's routes: every view has its own URL, so a deep link opens it directly.

import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { Shell } from "./components/Shell";
import { DataList } from "./views/DataList";
import { DataPage } from "./views/DataPage";
import { ExperimentList } from "./views/ExperimentList";
import { ExperimentPage } from "./views/ExperimentPage";
import { LineageView } from "./views/LineageView";
import { NoSuchPage } from "./views/NoSuchPage";
import { PlanGraphView } from "./views/PlanGraphView";
import { PlanList } from "./views/PlanList";
import { PlanPage } from "./views/PlanPage";
import { RunList } from "./views/RunList";
import { RunPage } from "./views/RunPage";
import { SignIn } from "./views/SignIn";

export function App() {
  return (
    <BrowserRouter>
      <Routes>
        <Route path="/signin" element={<SignIn />} />
        <Route element={<Shell />}>
          <Route index element={<Navigate to="/data" replace />} />
          <Route path="data" element={<DataList />} />
          <Route path="data/:knitId" element={<DataPage />} />
          <Route path="runs" element={<RunList />} />
          <Route path="runs/:runId" element={<RunPage />} />
          <Route path="plans" element={<PlanList />} />
          <Route path="plans/:planId" element={<PlanPage />} />
          <Route path="plans/:planId/graph" element={<PlanGraphView />} />
          <Route path="lineage/:knitId" element={<LineageView />} />
          <Route path="experiments" element={<ExperimentList />} />
          <Route path="experiments/:name" element={<ExperimentPage />} />
          <Route path="*" element={<NoSuchPage />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
