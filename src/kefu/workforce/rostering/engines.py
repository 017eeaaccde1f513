"""Solver back ends: the same model on HiGHS (MIP, the default) or CP-SAT, behind the few modelling
calls the schedule needs. Pure (no Django).

OR-Tools is imported when an engine is made, not with this module: its model builder pulls in
pandas, and every `kefu` command and server start would pay over a second for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from kefu.workforce.rostering.problem import ScheduleStatus


class Backend(Protocol):
    """The few modelling calls the schedule needs, so one model builder serves both engines."""

    def bool_var(self, name: str) -> Any: ...

    def int_var(self, lo: int, hi: int, name: str) -> Any: ...

    def constrain(self, constraint: Any) -> None: ...

    def sum(self, terms: Sequence[Any]) -> Any: ...

    def minimize(self, expression: Any) -> None: ...

    def maximize(self, expression: Any) -> None: ...

    def solve(self, *, time_limit_s: float, num_workers: int, seed: int, log: bool) -> ScheduleStatus: ...

    def value(self, var: Any) -> int: ...

    def objective(self) -> tuple[float, float]:
        """(objective value, best bound) of the last solve."""
        ...

    def size(self) -> tuple[int, int]:
        """(variables, constraints)."""
        ...


class CpSat(Backend):
    def __init__(self) -> None:
        from ortools.sat.python import cp_model

        self.cp_model = cp_model
        self.model = cp_model.CpModel()
        self.solver = cp_model.CpSolver()

    def bool_var(self, name: str) -> Any:
        return self.model.new_bool_var(name)

    def int_var(self, lo: int, hi: int, name: str) -> Any:
        return self.model.new_int_var(lo, hi, name)

    def constrain(self, constraint: Any) -> None:
        self.model.add(constraint)

    def sum(self, terms: Sequence[Any]) -> Any:
        return self.cp_model.LinearExpr.sum(list(terms))

    def minimize(self, expression: Any) -> None:
        self.model.minimize(expression)

    def maximize(self, expression: Any) -> None:
        self.model.maximize(expression)

    def solve(self, *, time_limit_s: float, num_workers: int, seed: int, log: bool) -> ScheduleStatus:
        params = self.solver.parameters
        params.max_time_in_seconds = max(time_limit_s, 0.1)
        params.num_workers = num_workers
        params.random_seed = seed
        params.log_search_progress = log
        status = self.solver.solve(self.model)
        return {
            self.cp_model.OPTIMAL: ScheduleStatus.OPTIMAL,
            self.cp_model.FEASIBLE: ScheduleStatus.FEASIBLE,
            self.cp_model.INFEASIBLE: ScheduleStatus.INFEASIBLE,
        }.get(status, ScheduleStatus.UNKNOWN)

    def value(self, var: Any) -> int:
        return int(self.solver.value(var))

    def objective(self) -> tuple[float, float]:
        return self.solver.objective_value, self.solver.best_objective_bound

    def size(self) -> tuple[int, int]:
        return len(self.model.proto.variables), len(self.model.proto.constraints)


class Highs(Backend):
    """HiGHS (MIP) through OR-Tools' model builder; the solver ships inside the ortools wheel."""

    options = "mip_heuristic_effort=0.3\nmip_rel_gap=0.005"  # stop within 0.5% of the bound

    def __init__(self) -> None:
        from ortools.linear_solver.python import model_builder

        self.model_builder = model_builder
        self.model = model_builder.Model()
        self.solver = model_builder.Solver("highs")

    def bool_var(self, name: str) -> Any:
        return self.model.new_bool_var(name)

    def int_var(self, lo: int, hi: int, name: str) -> Any:
        return self.model.new_int_var(lo, hi, name)

    def constrain(self, constraint: Any) -> None:
        if isinstance(constraint, bool):  # a constant comparison, e.g. an empty sum
            if not constraint:
                self.model.add(self.model_builder.LinearExpr.sum([]) >= 1)
            return
        self.model.add(constraint)

    def sum(self, terms: Sequence[Any]) -> Any:
        return self.model_builder.LinearExpr.sum(list(terms))

    def minimize(self, expression: Any) -> None:
        self.model.minimize(expression)

    def maximize(self, expression: Any) -> None:
        self.model.maximize(expression)

    def solve(self, *, time_limit_s: float, num_workers: int, seed: int, log: bool) -> ScheduleStatus:
        self.solver.set_time_limit_in_seconds(max(time_limit_s, 0.1))
        self.solver.set_solver_specific_parameters(
            f"{self.options}\nrandom_seed={seed}\nthreads={num_workers}\noutput_flag={str(log).lower()}"
        )
        self.solver.enable_output(log)
        status = self.solver.solve(self.model)
        if status == self.model_builder.SolveStatus.OPTIMAL:
            return ScheduleStatus.OPTIMAL
        if status == self.model_builder.SolveStatus.FEASIBLE:
            return ScheduleStatus.FEASIBLE
        if status == self.model_builder.SolveStatus.INFEASIBLE:
            return ScheduleStatus.INFEASIBLE
        return ScheduleStatus.UNKNOWN

    def value(self, var: Any) -> int:
        return round(self.solver.value(var))

    def objective(self) -> tuple[float, float]:
        return self.solver.objective_value, self.solver.best_objective_bound

    def size(self) -> tuple[int, int]:
        return self.model.num_variables, self.model.num_constraints


ENGINES: dict[str, type[Backend]] = {"highs": Highs, "cp-sat": CpSat}
