import { useLocation } from "react-router";
import { ApiError } from "../api/errors";
import { ErrorView } from "../components/ErrorView";

export function NoSuchPage() {
  const { pathname } = useLocation();
  const error = new ApiError("NOT_FOUND", `the console has no page ${pathname}`,
    "Data, Runs and Plans are in the top bar; a lineage opens from a Data's page");
  return <ErrorView error={error} />;
}
